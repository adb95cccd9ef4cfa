"""Text a customer controls (their name, what they say they like, a note about them) reaches
the agent's screen as written: Textual reads square brackets as markup, so "[/]" in a name
would end the agent desktop with a MarkupError, and "[@click=…]" would make a link that runs
one of its actions. Every such text is shown literally, in the panels and in the live toasts,
and without the control characters that would reach the agent's terminal as escape sequences."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from textual.widgets import DataTable
from textual.widgets._toast import Toast

from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, wait_for

pytestmark = pytest.mark.tui

SET_PREFERENCES = """mutation($id: ID!, $value: String!) {
  setPreferences(profileId: $id, touchpoint: WEB,
                 preferences: [{key: "theme", value: $value, like: true}]) {
    userErrors { code message } } }"""
TRACK = """mutation($events: [EventInput!]!) {
  track(events: $events) { accepted duplicates userErrors { message } } }"""
ADD_NOTE = """mutation($id: ID!, $text: String!) {
  addNote(profileId: $id, text: $text) { userErrors { code message } } }"""


def _screen_text(app: Any) -> str:
    """What the screen's widgets show, tables' cells included."""
    shown = [str(w.render()) for w in app.screen.query("*")]
    for table in app.screen.query(DataTable):
        shown += [str(cell) for key in table.rows for cell in table.get_row(key)]
    return "\n".join(shown)


async def test_markup_in_what_a_customer_wrote_is_shown_as_written(hub: Any) -> None:
    stored, spoken = drama_number()
    surname = f"[/]Mal{uuid.uuid4().hex[:4]}"
    profile_id = await make_caller(hub, "[b]Eve", surname, phone=stored)
    said = "[@click=app.quit]free gift[/]"
    answer = await gql(hub, SET_PREFERENCES, {"id": profile_id, "value": said}, key=hub.web_key)
    assert answer["setPreferences"]["userErrors"] == []
    noted = await gql(hub, ADD_NOTE, {"id": profile_id, "text": "Asked about [red]refunds[/i]"})
    assert noted["addNote"]["userErrors"] == []
    # ESC sequences a terminal would obey (clear the screen, write the clipboard: OSC 52) in
    # what a web site sent as a search's text: the hub keeps event properties as they come.
    escapes = "\x1b[2J\x1b]52;c;cHduZWQ=\x07\x9b2J"
    search = {
        "messageId": f"hostile-{uuid.uuid4()}",
        "identifier": {"kind": "PHONE", "value": stored},
        "type": "SEARCH",
        "touchpoint": "WEB",
        "properties": {"query": f"[b]lamps{escapes}"},
    }
    tracked = await gql(hub, TRACK, {"events": [search]}, key=hub.web_key)
    assert tracked["track"]["accepted"] == 1, tracked
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
        screen = app.screen
        await wait_for(
            pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)), what="live"
        )
        shown = _screen_text(app)
        for text in (surname, said, "[red]refunds[/i]", "[b]lamps[2J]52;c;cHduZWQ=2J"):
            assert text in shown, text
        assert not any(c in shown for c in "\x1b\x07\x9b"), "no control character on screen"
        # A change made on the web while the agent looks: its toast says it as written.
        again = "[/] or [link=https://example.com]this[/link]"
        await gql(hub, SET_PREFERENCES, {"id": profile_id, "value": again}, key=hub.web_key)
        await wait_for(
            pilot,
            lambda: any(again in str(t.render()) for t in app.screen.query(Toast)),
            within=5,
            what="the toast",
        )
        await pilot.pause(0.3)
        assert app.is_running and app.return_code is None
