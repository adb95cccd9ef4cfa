"""Stop 50's audit of the agent desktop's writes: every write the desk makes reaches the hub
once, in the order the agent made it, even when the agent moves on before the hub answers or
the answer is lost on the way back. Each test here failed on the code before its fix."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from textual.widgets import Input, TextArea

from clients.callcenter.dialogs.note import NoteDialog
from clients.callcenter.dialogs.wrap_up import WrapUpDialog
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.call_panels import NextBestActionsPanel
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, wait_for
from tests.callcenter.test_profile import _open

pytestmark = pytest.mark.tui

NOTES = "query($id: ID) { profile(id: $id) { notes { text } } }"
EVENTS = "query($id: ID) { profile(id: $id) { recentEvents(first: 30) { type properties } } }"


class FirstLate(httpx.AsyncBaseTransport):
    """A hub that gets the desk's first `operation` `delay` s late (a slow proxy, a
    retransmit), everything else at once."""

    def __init__(self, operation: bytes, delay: float = 0.8) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.operation = operation
        self.delay = delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.delay and self.operation in request.content:
            delay, self.delay = self.delay, 0.0
            await asyncio.sleep(delay)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class AnswerLostOnce(httpx.AsyncBaseTransport):
    """A hub that makes the first `operation` but whose answer never comes back (a proxy
    timing out after the hub stored it): the desk sees a timeout for a write that was made."""

    def __init__(self, operation: bytes) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.operation = operation
        self.lost = 1

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.lost and self.operation in request.content:
            self.lost -= 1
            await response.aread()
            raise httpx.ReadTimeout("no answer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_note_saved_then_closed_at_once_is_still_stored_and_shown(hub: Any) -> None:
    """Ctrl+S then Cancel before the hub answered: closing the dialog used to cancel the write
    on its way (the note was lost, or stored while the agent thought it was not)."""
    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Ada", f"Gone{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken, transport=FirstLate(b"AddNote(", delay=2.0))
    text = f"Promised a call back {uuid.uuid4().hex[:6]}"
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="note")
        app.screen.query_one(TextArea).text = text
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        await pilot.click("#cancel")
        await wait_for(pilot, lambda: app.screen is screen, what="back on the profile")
        await wait_for(
            pilot,
            lambda: any(n.text == text for n in screen.profile.notes or ()),
            within=8,
            what="the note shown on the profile",
        )
        notes = (await gql(hub, NOTES, {"id": profile_id}))["profile"]["notes"]
        assert [n["text"] for n in notes].count(text) == 1


async def test_a_wrap_up_saved_again_after_its_answer_was_lost_is_logged_once(hub: Any) -> None:
    """The hub logged the call but its answer timed out on the way back: the agent is told it
    was not saved and presses Ctrl+S again. The second send used a new message id, so the hub
    logged the call twice."""
    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Bea", f"Twice{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken, transport=AnswerLostOnce(b"Track("))
    summary = f"Refund explained {uuid.uuid4().hex[:6]}"
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpDialog), what="wrap-up")
        dialog = app.screen
        dialog.query_one("#summary", Input).value = summary
        await pilot.press("ctrl+s")
        said = dialog.query_one("#form-error")
        await wait_for(pilot, lambda: "in time" in str(said.render()), what="the timeout said")
        assert app.screen is dialog
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is not dialog, within=5, what="logged")
        events = (await gql(hub, EVENTS, {"id": profile_id}))["profile"]["recentEvents"]
        calls = [e for e in events if e["type"] == "CALL"]
        assert len(calls) == 1, f"the call was logged {len(calls)} times"
        assert calls[0]["properties"]["summary"] == summary


async def test_an_action_answered_twice_quickly_records_the_first_press(hub: Any) -> None:
    """Accept, then decline at once, on the same next best action, while the first answer is
    slow: the hub takes one answer per action, and it has to be the first the agent gave (the
    decline overtook the accept, which the hub then refused as already answered)."""
    stored, spoken = drama_number()
    surname = f"Order{uuid.uuid4().hex[:6]}"
    profile_id = await make_caller(
        hub, "Nell", surname, phone=stored, email=f"nell.{surname.lower()}@example.com"
    )
    app = make_app(hub, caller=spoken, transport=FirstLate(b"RespondToNextBestAction("))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        assert isinstance(screen, ProfileScreen)
        panel = screen.query_one(NextBestActionsPanel)
        await wait_for(pilot, lambda: panel.actions, what="the actions")
        action = panel.actions[0]
        await pilot.press("y")
        await pilot.pause(0.1)
        await pilot.press("d")
        outcome = panel.query_one("#actions-outcome")
        await wait_for(pilot, lambda: "Not saved" in str(outcome.content), within=5, what="both")
        events = (await gql(hub, EVENTS, {"id": profile_id}))["profile"]["recentEvents"]
        answers = [
            e["type"]
            for e in events
            if (e["properties"] or {}).get("actionId") == action.id
            and e["type"].endswith(("_ACCEPTED", "_REJECTED", "_CLICKED"))
        ]
        assert answers and all(not a.endswith("_REJECTED") for a in answers), answers


async def test_a_note_saved_again_after_its_answer_was_lost_is_stored_once(hub: Any) -> None:
    """The hub stored the note but its answer timed out on the way back: the agent is told it
    was not saved and presses Ctrl+S again. The hub took the second send as a second note."""
    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Cy", f"Lost{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken, transport=AnswerLostOnce(b"AddNote("))
    text = f"Wants the blue one {uuid.uuid4().hex[:6]}"
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="note")
        dialog = app.screen
        dialog.query_one(TextArea).text = text
        await pilot.press("ctrl+s")
        said = dialog.query_one("#form-error")
        await wait_for(pilot, lambda: "in time" in str(said.render()), what="the timeout said")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, within=5, what="saved")
        await wait_for(
            pilot,
            lambda: any(n.text == text for n in screen.profile.notes or ()),
            within=5,
            what="the note shown",
        )
        notes = (await gql(hub, NOTES, {"id": profile_id}))["profile"]["notes"]
        assert [n["text"] for n in notes].count(text) == 1, notes


async def test_a_consent_whose_answer_was_lost_shows_what_the_hub_holds(hub: Any) -> None:
    """The hub granted the consent but its answer timed out on the way back: the switch went
    back to "withdrawn … not saved" while the hub held it granted, so the agent told the
    customer the opposite of what is on record."""
    from textual.widgets import Switch

    from clients.callcenter.dialogs.consent import ConsentDialog

    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Dot", f"Held{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken, transport=AnswerLostOnce(b"SetConsent("))
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentDialog), what="consent")
        switch = app.screen.query_one("#consent-MARKETING_EMAIL", Switch)
        status = app.screen.query_one("#status-MARKETING_EMAIL")
        switch.value = True
        await wait_for(
            pilot,
            lambda: any(s in str(status.render()) for s in ("saved", "granted", "withdrawn")),
            what="the answer",
        )
        consents = "query($id: ID) { profile(id: $id) { consents { purpose granted } } }"
        held = (await gql(hub, consents, {"id": profile_id}))["profile"]["consents"]
        granted = {c["purpose"]: c["granted"] for c in held}["MARKETING_EMAIL"]
        assert granted is True
        assert switch.value is True, "the switch says withdrawn; the hub holds it granted"
        assert "granted" in str(status.render()), str(status.render())


async def test_a_consent_pressed_after_the_session_ended_asks_to_sign_in(hub: Any) -> None:
    """The hub refuses the agent's token when a consent switch is pressed: the agent is asked
    to sign in again (as a form's save does), not left with an HTTP 401 under the switch."""
    from textual.widgets import Switch

    from clients.callcenter.app import SESSION_ENDED
    from clients.callcenter.dialogs.consent import ConsentDialog
    from clients.callcenter.screens.sign_in import SignInScreen

    stored, spoken = drama_number()
    await make_caller(hub, "Flo", f"Ended{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentDialog), what="consent")
        dialog = app.screen
        app.client.token = "rat_" + uuid.uuid4().hex  # a token the hub no longer knows
        dialog.query_one("#consent-MARKETING_SMS", Switch).value = True
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, SignInScreen)
                and SESSION_ENDED in "\n".join(str(w.render()) for w in app.screen.query("*"))
            ),
            within=20,
            what="asked to sign in again",
        )


async def test_an_open_consent_dialog_follows_a_change_made_elsewhere(hub: Any) -> None:
    """The customer opts in to marketing email on the web while the agent has the consent
    dialog open: the switch showed the old "withdrawn" until closed, so the agent read the
    customer the wrong answer (or pressed it "back on", believing it off)."""
    from textual.widgets import Switch

    from clients.callcenter.dialogs.consent import ConsentDialog

    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Gil", f"Live{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentDialog), what="consent")
        switch = app.screen.query_one("#consent-MARKETING_EMAIL", Switch)
        assert switch.value is False
        grant = """mutation($id: ID!) { setConsent(profileId: $id, purpose: MARKETING_EMAIL,
            granted: true, touchpoint: WEB) { userErrors { message } } }"""
        done = await gql(hub, grant, {"id": profile_id}, key=hub.web_key)
        assert done["setConsent"]["userErrors"] == []
        await wait_for(pilot, lambda: switch.value is True, within=5, what="the switch follows")
        await pilot.pause(0.5)
        consents = "query($id: ID) { profile(id: $id) { consents { purpose granted } } }"
        held = (await gql(hub, consents, {"id": profile_id}))["profile"]["consents"]
        assert {c["purpose"]: c["granted"] for c in held}["MARKETING_EMAIL"] is True
