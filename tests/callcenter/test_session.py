"""An agent session that ends (token expired or no longer known): sign in again, carry on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from clients.callcenter.app import SESSION_ENDED
from clients.callcenter.dialogs.base import FieldError
from clients.callcenter.dialogs.note import NoteDialog
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.screens.sign_in import SignInScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, save_svg, wait_for
from tests.conftest import HubHandle, start_hub, stop_hub

pytestmark = pytest.mark.tui

TTL = 4  # seconds an agent's token lasts on the short-session hub


@pytest.fixture
def short_session_hub(hub: HubHandle) -> Iterator[HubHandle]:
    """A second hub on the same database whose agent tokens run out after a few seconds."""
    handle = start_hub(hub.database_url, hub.keys, RAPPORT_AGENT_TOKEN_TTL_SECONDS=str(TTL))
    try:
        yield handle
    finally:
        stop_hub(handle)


async def _profile(pilot: Any, app: Any) -> ProfileScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
    screen = app.screen
    assert isinstance(screen, ProfileScreen)
    await wait_for(pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)))
    return screen


def _form_message(app: Any) -> str:
    return str(app.screen.query_one("#form-error", FieldError).content)


async def _sign_in_again(pilot: Any, app: Any) -> None:
    screen = app.screen
    assert isinstance(screen, SignInScreen)
    assert screen.query_one("#username", Input).value == app.client.agent  # filled in
    screen.query_one("#password", Input).focus()
    await pilot.press(*app.options.password, "enter")


async def test_an_expired_session_asks_to_sign_in_and_returns_to_the_caller(
    short_session_hub: HubHandle,
) -> None:
    stored, spoken = drama_number()
    profile_id = await make_caller(
        short_session_hub, "Tess", f"Expiry{uuid.uuid4().hex[:6]}", phone=stored
    )
    app = make_app(short_session_hub, caller=spoken)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _profile(pilot, app)
        assert screen.profile.id == profile_id
        old_token = app.client.token
        # Nothing to press: the app knows when the token runs out and asks at once.
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, SignInScreen) and _form_message(app),
            within=TTL + 5,
            what="sign-in with a message",
        )
        assert _form_message(app) == SESSION_ENDED
        assert "Traceback" not in _form_message(app)
        await save_svg(pilot, "callcenter-session-ended")
        await _sign_in_again(pilot, app)
        await wait_for(pilot, lambda: app.screen is screen, what="back to the caller")
        assert app.client.signed_in and app.client.token != old_token
        assert screen.profile.id == profile_id
        await wait_for(
            pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)), what="live"
        )


async def test_a_refused_token_mid_note_keeps_the_note_for_after_sign_in(hub: Any) -> None:
    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Una", f"Revoked{uuid.uuid4().hex[:6]}", phone=stored)
    note = f"Wants a call back on Friday ({uuid.uuid4().hex[:6]})"
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(80, 24)) as pilot:
        await _profile(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="note dialog")
        dialog = app.screen
        dialog.query_one(TextArea).text = note
        app.client.token = "rat_" + uuid.uuid4().hex  # a token the hub does not (or no longer) know
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, SignInScreen) and _form_message(app),
            what="sign-in with a message",
        )
        assert _form_message(app) == SESSION_ENDED
        await save_svg(pilot, "callcenter-session-ended-80x24")
        await _sign_in_again(pilot, app)
        await wait_for(pilot, lambda: app.screen is dialog, what="back to the note")
        assert dialog.query_one(TextArea).text == note  # nothing typed was lost
        assert "session has ended" in str(dialog.query_one("#form-error").content)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not dialog.is_attached, what="note saved")
        notes = "query($id: ID) { profile(id: $id) { notes { text } } }"
        stored_notes = (await gql(hub, notes, {"id": profile_id}))["profile"]["notes"]
        assert any(n["text"] == note for n in stored_notes)


async def test_a_live_feed_refused_for_the_token_asks_to_sign_in(hub: Any) -> None:
    stored, spoken = drama_number()
    await make_caller(hub, "Vera", f"Feed{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _profile(pilot, app)
        app.client.token = "rat_" + uuid.uuid4().hex  # no longer known to the hub
        screen.follow_changes()  # the feed reconnects, as after a drop
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, SignInScreen) and _form_message(app),
            what="sign-in with a message",
        )
        assert _form_message(app) == SESSION_ENDED
        await _sign_in_again(pilot, app)
        await wait_for(pilot, lambda: app.screen is screen, what="back to the caller")
        await wait_for(
            pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)), what="live"
        )
