"""Next best actions and segments in the 360° view: what to do on this call, and why."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from textual.command import CommandPalette

from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.call_panels import NextBestActionsPanel
from clients.callcenter.widgets.live_badge import LiveBadge
from clients.callcenter.widgets.profile_panels import SegmentsPanel
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, save_svg, wait_for

pytestmark = pytest.mark.tui

EVENTS = """
query($id: ID) { profile(id: $id) { recentEvents(first: 20) { type touchpoint properties } } }
"""
SAVE_SEGMENT = """
mutation($input: SegmentInput!) {
  saveSegment(input: $input) { segment { id name } userErrors { field code message } }
}
"""
SET_PREFERENCES = """
mutation($id: ID!, $prefs: [PreferenceInput!]!) {
  setPreferences(profileId: $id, touchpoint: WEB, preferences: $prefs) {
    userErrors { field code message }
  }
}
"""


async def _open(pilot: Any, app: Any) -> ProfileScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
    screen = app.screen
    assert isinstance(screen, ProfileScreen)
    await wait_for(pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)))
    return screen


async def _caller_with_email() -> tuple[dict[str, str], str, str]:
    stored, spoken = drama_number()
    surname = f"Nba{uuid.uuid4().hex[:6]}"
    ids = {"phone": stored, "email": f"nell.{surname}@example.com"}
    return ids, surname, spoken


def _titles(panel: NextBestActionsPanel) -> list[str]:
    return [a.title for a in panel.actions]


async def test_declining_an_action_is_recorded_and_it_is_not_offered_again(hub: Any) -> None:
    ids, surname, spoken = await _caller_with_email()
    profile_id = await make_caller(hub, "Nell", surname, **ids)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        panel = screen.query_one(NextBestActionsPanel)
        # An email on file but no answer about marketing emails: ask, and say why.
        await wait_for(
            pilot,
            lambda: any("marketing email" in t.lower() for t in _titles(panel)),
            what="the consent action",
        )
        row = next(i for i, a in enumerate(panel.actions) if "marketing email" in a.title.lower())
        action = panel.actions[row]
        assert action.kind == "CONSENT" and action.reason
        shown = str(panel.query_one("#actions-table").get_row_at(row)[0])
        assert action.title in shown and action.reason in shown
        await save_svg(pilot, "callcenter-next-best-160x50")

        panel.query_one("#actions-table").move_cursor(row=row)
        assert screen.check_action("decline_action", ())
        await pilot.press("d")
        outcome = panel.query_one("#actions-outcome")
        await wait_for(pilot, lambda: "declined" in str(outcome.content), what="the outcome")
        await wait_for(
            pilot, lambda: action.id not in {a.id for a in panel.actions}, what="a new list"
        )
        events = (await gql(hub, EVENTS, {"id": profile_id}))["profile"]["recentEvents"]
        rejected = [e for e in events if e["type"] == "NEXT_BEST_ACTION_REJECTED"]
        assert rejected and rejected[0]["touchpoint"] == "CALL_CENTER", events
    # Declined for a while: a fresh look at the caller does not offer it again.
    again = make_app(hub, caller=spoken)
    async with again.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, again)
        panel = screen.query_one(NextBestActionsPanel)
        await wait_for(pilot, lambda: panel.display, what="the actions")
        assert action.title not in _titles(panel)


async def test_accepting_an_action_from_the_palette(hub: Any) -> None:
    ids, surname, spoken = await _caller_with_email()
    profile_id = await make_caller(hub, "Nora", surname, **ids)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        panel = screen.query_one(NextBestActionsPanel)
        await wait_for(pilot, lambda: bool(panel.actions), what="an action")
        first = panel.actions[0]
        titles = {c.title for c in app.get_system_commands(screen)}
        assert any(t.startswith("Accept action") for t in titles), titles
        assert any(t.startswith("Decline action") for t in titles), titles
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"accept action")
        await pilot.pause(0.5)
        await pilot.press("enter")
        outcome = panel.query_one("#actions-outcome")
        await wait_for(pilot, lambda: "accepted" in str(outcome.content), what="the outcome")
        assert first.title in str(outcome.content)
        wanted = (
            "RECOMMENDATION_CLICKED"
            if first.kind == "RECOMMENDATION"
            else "NEXT_BEST_ACTION_ACCEPTED"
        )
        events = (await gql(hub, EVENTS, {"id": profile_id}))["profile"]["recentEvents"]
        assert any(e["type"] == wanted for e in events), events


async def test_a_segment_saved_by_an_admin_shows_with_its_reason(hub: Any) -> None:
    categories = (await gql(hub, "query { categories { slug name } }"))["categories"]
    slug = categories[0]["slug"]
    name = f"Fans of {categories[0]['name']} {uuid.uuid4().hex[:4]}"
    rule = {"preference": {"key": "category", "value": slug}}
    saved = await gql(hub, SAVE_SEGMENT, {"input": {"name": name, "rule": rule}})
    assert saved["saveSegment"]["userErrors"] == [], saved
    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Sage", f"Seg{uuid.uuid4().hex[:6]}", phone=stored)
    prefs = [{"key": "category", "value": slug, "like": True}]
    answer = await gql(hub, SET_PREFERENCES, {"id": profile_id, "prefs": prefs}, hub.web_key)
    assert answer["setPreferences"]["userErrors"] == [], answer

    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        panel = screen.query_one(SegmentsPanel)
        await wait_for(
            pilot, lambda: any(s.name == name for s in screen.profile.segments or ()), what="seg"
        )
        segment = next(s for s in screen.profile.segments or () if s.name == name)
        assert segment.reason, "a segment is shown with why the customer is in it"
        body = str(panel.query_one("#segments-body").content)
        assert name in body and segment.reason in body
