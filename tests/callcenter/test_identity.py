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
    IDENTIFY,
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


QUEUE = "{ possibleDuplicates(first: 200) { id profileIds } }"


async def _same_name_and_postcode(hub: Any) -> tuple[str, str, str]:
    """Two profiles the hub flags: one name and postcode, from the web and from a kiosk."""
    surname = f"Quist{uuid.uuid4().hex[:6]}"
    made = []
    for key, touchpoint, ident, first in (
        (hub.web_key, "WEB", {"kind": "EMAIL", "value": f"hal.{surname}@example.com"}, "Hal"),
        (hub.kiosk_key, "KIOSK", {"kind": "LOYALTY_ID", "value": f"L{surname.upper()}"}, "hal"),
    ):
        traits = {"firstName": first, "lastName": surname, "postcode": "SW1A 1AA"}
        variables = {"input": {"identifiers": [ident], "traits": traits, "touchpoint": touchpoint}}
        data = await gql(hub, IDENTIFY, variables, key=key)
        made.append(data["identify"]["profile"]["id"])
    assert made[0] != made[1]
    return made[0], made[1], surname


async def _review_pair(pilot: Any, app: Any, pair: set[str]) -> ConflictsScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(app.screen, ConflictsScreen), what="review")
    screen = app.screen
    assert isinstance(screen, ConflictsScreen)
    await wait_for(
        pilot,
        lambda: any(set(d.profile_ids) == pair for d in screen.duplicates or ()),
        what="our possible duplicate",
    )
    table = screen.query_one("#duplicates")
    table.focus()
    row = next(i for i, d in enumerate(screen.duplicates or ()) if set(d.profile_ids) == pair)
    table.move_cursor(row=row)
    await wait_for(
        pilot, lambda: {p.id for p in screen.profiles} == pair, what="both profiles named"
    )
    return screen


async def test_possible_duplicate_shows_its_evidence_and_is_dismissed(hub: Any) -> None:
    first, second, surname = await _same_name_and_postcode(hub)
    app = make_app(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _review_pair(pilot, app, {first, second})
        detail = str(screen.query_one("#detail").content)
        assert "same name and postcode" in detail and "SW1A 1AA" in detail
        assert surname in detail and "example.com" in detail  # who each one is
        await save_svg(pilot, "callcenter-duplicates-160x50")

        await pilot.press("1")  # a look at the first profile, then back to the review
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
        assert app.screen.profile.id in {first, second}
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back to the review")

        assert screen.check_action("dismiss_duplicate", ())
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.click("#yes")
        result = screen.query_one("#result")
        await wait_for(pilot, lambda: "Dismissed" in str(result.content), what="the outcome")
        await wait_for(
            pilot,
            lambda: all(set(d.profile_ids) != {first, second} for d in screen.duplicates or ()),
            what="the pair gone from the list",
        )
    queue = (await gql(hub, QUEUE, key=hub.agent_token()))["possibleDuplicates"]
    assert all(set(d["profileIds"]) != {first, second} for d in queue)
    assert (await gql(hub, "query($id: ID) { profile(id: $id) { id } }", {"id": second}))[
        "profile"
    ]["id"] == second, "dismissed: still two profiles"


async def test_possible_duplicate_is_linked_at_80x24(hub: Any) -> None:
    first, second, _ = await _same_name_and_postcode(hub)
    app = make_app(hub)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _review_pair(pilot, app, {first, second})
        await save_svg(pilot, "callcenter-duplicates-80x24")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.click("#yes")
        result = screen.query_one("#result")
        await wait_for(pilot, lambda: "Linked" in str(result.content), what="the outcome")
    survivor = "query($id: ID) { profile(id: $id) { id } }"
    assert (await gql(hub, survivor, {"id": first}))["profile"]["id"] == (
        await gql(hub, survivor, {"id": second})
    )["profile"]["id"]


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
