"""Screen pop by the caller's number and search as you type."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from textual.widgets import Input

from clients.callcenter.screens.find_caller import FindCallerScreen
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.screens.sign_in import SignInScreen
from clients.callcenter.widgets.results import ResultsTable
from tests.callcenter.conftest import drama_number, make_app, make_caller, save_svg, wait_for

pytestmark = pytest.mark.tui


async def test_screen_pop_by_number_in_another_format(hub: Any) -> None:
    stored, spoken = drama_number()
    surname = f"Pop{uuid.uuid4().hex[:6]}"
    profile_id = await make_caller(hub, "Ada", surname, phone=stored)
    app = make_app(hub, caller=spoken)  # stored as +447700900xxx, rung in as 07700 900xxx
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="screen pop")
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        assert screen.profile.id == profile_id
        assert screen.profile.last_name == surname


async def test_typed_incoming_number_pops_the_profile(hub: Any) -> None:
    stored, _ = drama_number()
    profile_id = await make_caller(hub, "Bea", f"Typed{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
        await pilot.press("f2")
        await pilot.pause(0.1)
        await pilot.press(*("0" + stored[3:7] + " " + stored[7:]), "enter")  # 07700 900xxx
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.profile.id == profile_id


async def test_search_by_partial_name_lists_and_opens(hub: Any) -> None:
    surname = f"Quill{uuid.uuid4().hex[:6]}"
    first_id = await make_caller(hub, "Cora", surname, email=f"cora.{surname}@example.com")
    second_id = await make_caller(hub, "Cora", surname, email=f"c.{surname}@example.com")
    app = make_app(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
        await pilot.press(*surname[:-2].lower())  # partial and in another case
        table = app.screen.query_one(ResultsTable)
        await wait_for(pilot, lambda: table.row_count >= 2, what="results")
        assert {first_id, second_id} <= set(table.profiles)
        flags = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        assert sum("possible duplicate" in flag for flag in flags) >= 2
        await save_svg(pilot, "callcenter-search")
        await pilot.press("down")
        assert table.has_focus
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.profile.id in {first_id, second_id}
        await wait_for(pilot, lambda: app.screen.profile.complete, what="full profile")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="back")
        assert app.screen.query_one("#query", Input).value == surname[:-2].lower()


async def test_quitting_as_a_profile_pops_closes_cleanly(hub: Any) -> None:
    """The caller's profile pops in the same moment the agent quits: the app closes without a
    traceback (Textual composes nothing more once it is quitting, so the screen has no panels)."""
    stored, _ = drama_number()
    profile_id = await make_caller(hub, "Dot", f"Quit{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
        profile = await app.client.profile(profile_id)
        assert profile is not None
        app.open_profile(profile)
        assert isinstance(app.screen, ProfileScreen)
        app.push_screen(SignInScreen(app.client, "agent"))  # and the session ends, too
    # Leaving `run_test` quits the app at once, and re-raises what any handler raised then.
