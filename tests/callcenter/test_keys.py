"""Keyboard first: the footer's keys, the command palette and the help screen."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from textual.command import CommandPalette

from clients.callcenter.dialogs.consent import ConsentDialog
from clients.callcenter.dialogs.survey import SurveyDialog
from clients.callcenter.screens.help import HelpScreen
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, wait_for

pytestmark = pytest.mark.tui

RECENT = "query($id: ID) { profile(id: $id) { recentEvents(first: 10) { type touchpoint } } }"
FEEDBACK = """
query($id: ID) {
  profile(id: $id) { recentEvents(first: 10) { type touchpoint productSku properties } }
}
"""


async def _profile(hub: Any, pilot: Any, app: Any) -> ProfileScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
    screen = app.screen
    assert isinstance(screen, ProfileScreen)
    await wait_for(pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)))
    return screen


async def _caller(hub: Any) -> tuple[str, str]:
    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Kit", f"Keys{uuid.uuid4().hex[:6]}", phone=stored)
    return profile_id, spoken


async def test_footer_offers_the_call_actions_and_help_opens(hub: Any) -> None:
    _, spoken = await _caller(hub)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _profile(hub, pilot, app)
        keys = {binding.key for (_, binding, enabled, _) in screen.active_bindings.values()}
        assert {"p", "c", "n", "v", "w", "escape", "f1"} <= keys
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="help closed")


async def test_command_palette_reaches_every_call_action(hub: Any) -> None:
    _, spoken = await _caller(hub)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _profile(hub, pilot, app)
        titles = {command.title for command in app.get_system_commands(screen)}
        actions = (
            "Record a preference", "Consent", "Note", "Survey", "Wrap up", "Reload", "Help",
            "Export the profile",
        )  # fmt: skip
        for action in actions:
            assert any(title.startswith(action) for title in titles), (action, titles)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"consent")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentDialog), what="consent")


async def test_accepting_a_pick_is_recorded_as_an_event(hub: Any) -> None:
    profile_id, spoken = await _caller(hub)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _profile(hub, pilot, app)
        if not screen.profile.recommendations:
            pytest.fail("the hub offers no recommendations")
        await pilot.press("a")

        async def clicked() -> bool:
            events = (await gql(hub, RECENT, {"id": profile_id}))["profile"]["recentEvents"]
            return {"type": "RECOMMENDATION_CLICKED", "touchpoint": "CALL_CENTER"} in events

        kinds = lambda: {e.type for e in screen.profile.events}  # noqa: E731
        await wait_for(pilot, lambda: "RECOMMENDATION_CLICKED" in kinds(), what="the pick")
        assert await clicked()


async def test_rejecting_a_pick_is_recorded_as_a_rejection(hub: Any) -> None:
    profile_id, spoken = await _caller(hub)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _profile(hub, pilot, app)
        if not screen.profile.recommendations:
            pytest.fail("the hub offers no recommendations")
        table = screen.query_one("#recommendations-table")
        table.move_cursor(row=1)
        pick = screen.profile.recommendations[1]
        await pilot.press("x")
        outcome = screen.query_one("#recommendations-outcome")
        await wait_for(pilot, lambda: "rejected" in str(outcome.content), what="the outcome")
        assert pick.name in str(outcome.content)
        events = (await gql(hub, FEEDBACK, {"id": profile_id}))["profile"]["recentEvents"]
        rejected = [e for e in events if e["type"] == "RECOMMENDATION_REJECTED"]
        assert len(rejected) == 1, events
        assert rejected[0]["touchpoint"] == "CALL_CENTER"
        assert rejected[0]["productSku"] == pick.sku
        assert rejected[0]["properties"]["recommendationId"] == pick.recommendation_id
        assert not any(e["type"] == "RECOMMENDATION_SHOWN" for e in events)


async def test_survey_answers_become_stated_preferences(hub: Any) -> None:
    _, spoken = await _caller(hub)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _profile(hub, pilot, app)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, SurveyDialog), what="survey")
        app.screen.query_one("#likes").value = "vintage, floral"
        app.screen.query_one("#dislikes").value = "novelty"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="survey saved")
        await wait_for(
            pilot,
            lambda: (
                {("vintage", True), ("floral", True), ("novelty", False)}
                <= {(p.value, p.liked) for p in screen.profile.explicit}
            ),
            what="answers on screen",
        )
