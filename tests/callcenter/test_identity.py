"""Identity work an agent may do: link two profiles of one person, split a wrong merge."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from textual.widgets import Input

from clients.callcenter.dialogs.confirm import ConfirmDialog
from clients.callcenter.dialogs.link import LinkDialog
from clients.callcenter.dialogs.split import SplitDialog
from clients.callcenter.screens.conflicts import ConflictsScreen
from clients.callcenter.screens.find_caller import FindCallerScreen
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from clients.callcenter.widgets.results import ResultsTable
from tests.callcenter.conftest import (
    drama_number,
    gql,
    make_app,
    make_caller,
    save_svg,
    wait_for,
)

pytestmark = pytest.mark.tui

BY_EMAIL = """
query($email: String!) {
  profile(identifier: {kind: EMAIL, value: $email}) { id identifiers { kind value } }
}
"""


async def _owner(hub: Any, email: str) -> dict[str, Any]:
    data = await gql(hub, BY_EMAIL, {"email": email})
    profile: dict[str, Any] = data["profile"]
    return profile


async def test_agent_links_two_profiles_and_splits_them_back(hub: Any) -> None:
    surname = f"Twin{uuid.uuid4().hex[:6]}"
    stored, spoken = drama_number()
    first, second = f"lena.{surname}@example.com", f"l.{surname}@example.com"
    first_id = await make_caller(hub, "Lena", surname, phone=stored, email=first)
    second_id = await make_caller(hub, "Lena", surname, email=second)
    assert first_id != second_id
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        await wait_for(pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)))
        if not screen.check_action("link", ()):
            pytest.fail("the hub does not offer linkProfiles")

        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkDialog), what="link dialog")
        dialog = app.screen
        dialog.query_one(Input).value = surname
        table = dialog.query_one(ResultsTable)
        await wait_for(pilot, lambda: second_id in table.profiles, what="the other profile")
        assert first_id not in table.profiles  # never offered to link with itself
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="linked")

        owner = await _owner(hub, second)
        assert owner["id"] == (await _owner(hub, first))["id"]
        await wait_for(pilot, lambda: bool(screen.profile.merges), what="merge journal shown")
        assert screen.check_action("journal", ())

        await pilot.press("j")
        await wait_for(pilot, lambda: isinstance(app.screen, SplitDialog), what="journal")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="split")
        assert (await _owner(hub, second))["id"] != (await _owner(hub, first))["id"]
        await wait_for(
            pilot,
            lambda: all(not m.active for m in screen.profile.merges or ()),
            what="journal says split",
        )


async def test_shared_device_conflict_is_reviewed_and_linked(hub: Any) -> None:
    surname = f"Shared{uuid.uuid4().hex[:6]}"
    device = f"kiosk-tablet-{uuid.uuid4().hex[:8]}"
    first, second = f"a.{surname}@example.com", f"b.{surname}@example.com"
    await make_caller(hub, "Mia", surname, email=first, device_id=device)
    await make_caller(hub, "Mia", surname, email=second, device_id=device)
    assert (await _owner(hub, first))["id"] != (await _owner(hub, second))["id"]
    app = make_app(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
        if not app.screen.check_action("conflicts", ()):
            pytest.fail("the hub does not list identity conflicts")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictsScreen), what="conflicts")
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        await wait_for(
            pilot, lambda: any(c.value == device for c in screen.conflicts), what="our conflict"
        )
        row = next(i for i, c in enumerate(screen.conflicts) if c.value == device)
        screen.query_one("#conflicts").move_cursor(row=row)
        await wait_for(pilot, lambda: len(screen.profiles) == 2, what="both profiles named")
        assert surname in str(screen.query_one("#detail").content)
        await save_svg(pilot, "callcenter-conflicts")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.click("#yes")
        await wait_for(pilot, lambda: app.screen is screen, what="back")
        await wait_for(
            pilot, lambda: all(c.value != device for c in screen.conflicts), what="resolved"
        )
        assert (await _owner(hub, first))["id"] == (await _owner(hub, second))["id"]
