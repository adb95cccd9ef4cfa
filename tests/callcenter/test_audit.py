"""Audit of the agent desktop under a real service console's conditions: each test here
failed on the code before its fix."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from textual.widgets import DataTable, Input, TextArea

from clients.callcenter.dialogs.note import NoteDialog
from clients.callcenter.screens.find_caller import FindCallerScreen
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.screens.unreachable import UnreachableScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from clients.callcenter.widgets.results import ResultsTable
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, wait_for
from tests.callcenter.test_profile import _open

pytestmark = pytest.mark.tui

NOTES = "query($id: ID) { profile(id: $id) { notes { text } } }"


def _screen_text(app: Any) -> str:
    """What the screen's widgets show, tables' cells included."""
    shown = [str(w.render()) for w in app.screen.query("*")]
    for table in app.screen.query(DataTable):
        shown += [str(cell) for key in table.rows for cell in table.get_row(key)]
    return "\n".join(shown)


async def _find_and_enter(pilot: Any, app: Any, surname: str) -> None:
    """Type a surname on the search screen, wait for its one hit, press Enter."""
    await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
    await pilot.press(*surname)
    await wait_for(pilot, lambda: app.screen.query_one(ResultsTable).row_count == 1, what="the hit")
    await pilot.press("enter")


async def test_a_customer_erased_elsewhere_leaves_none_of_their_data_on_screen(hub: Any) -> None:
    stored, spoken = drama_number()
    surname = f"Erase{uuid.uuid4().hex[:6]}"
    email = f"gone.{surname.lower()}@example.com"
    profile_id = await make_caller(hub, "Wren", surname, phone=stored, email=email)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        assert surname in _screen_text(app)
        erase = "mutation($id: ID!) { eraseProfile(profileId: $id) { erased } }"
        assert (await gql(hub, erase, {"id": profile_id}))["eraseProfile"]["erased"] is True
        badge = screen.query_one(LiveBadge)
        await wait_for(pilot, lambda: badge.state == "erased", within=5, what="erased badge")
        await pilot.pause(0.3)
        shown = _screen_text(app)
        for personal in (surname, email, stored):
            assert personal not in shown, f"{personal} still on screen after the erase"


async def test_an_erased_customer_is_gone_from_the_search_results_too(hub: Any) -> None:
    """Found by name, then erased elsewhere: Escape back to the search must not list them
    (what the agent typed stays; the customer's row does not)."""
    stored, _ = drama_number()
    surname = f"Gone{uuid.uuid4().hex[:6]}"
    profile_id = await make_caller(hub, "Wren", surname, phone=stored)
    app = make_app(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        await _find_and_enter(pilot, app, surname)
        screen = await _open(pilot, app)
        erase = "mutation($id: ID!) { eraseProfile(profileId: $id) { erased } }"
        assert (await gql(hub, erase, {"id": profile_id}))["eraseProfile"]["erased"] is True
        badge = screen.query_one(LiveBadge)
        await wait_for(pilot, lambda: badge.state == "erased", within=5, what="erased badge")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="back")
        await pilot.pause(0.3)
        table = app.screen.query_one(ResultsTable)
        rows = [str(cell) for key in table.rows for cell in table.get_row(key)]
        assert not any(surname in cell or stored in cell for cell in rows), rows
        assert table.highlighted is None  # Enter cannot open the erased customer again


class SlowAnswers(httpx.AsyncBaseTransport):
    """A hub that does the work at once but whose answers reach the desk `delay` s late (a
    slow link, a busy proxy): what an agent meets on a bad day."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.delay = 0.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        await asyncio.sleep(self.delay)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_second_save_while_the_first_is_under_way_adds_no_second_note(hub: Any) -> None:
    """Ctrl+S pressed again because the slow hub has not answered yet: one note, not two (the
    second press used to cancel the first save's wait, not the save, and send it again)."""
    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Olive", f"Twice{uuid.uuid4().hex[:6]}", phone=stored)
    note = f"Refund promised ({uuid.uuid4().hex[:6]})"
    slow = SlowAnswers()
    app = make_app(hub, caller=spoken, transport=slow)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        slow.delay = 0.8
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="note")
        app.screen.query_one(TextArea).text = note
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, within=10, what="note saved")
        await pilot.pause(1.0)
    notes = (await gql(hub, NOTES, {"id": profile_id}))["profile"]["notes"]
    assert [n["text"] for n in notes].count(note) == 1, notes


class TimesOutOnce(httpx.AsyncBaseTransport):
    """A hub whose first answer to one operation (a whole-profile read by default) does not
    come in time."""

    def __init__(self, operation: bytes = b"GetProfile(") -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.operation = operation
        self.failures = 1

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failures and self.operation in request.content:
            self.failures -= 1
            raise httpx.ReadTimeout("no answer", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_profile_whose_read_timed_out_loads_once_the_hub_answers_again(hub: Any) -> None:
    """Opened from the search while the hub does not answer: the agent is told, and when the
    hub answers again the profile is read, not left at "Opening …" with empty panels."""
    stored, _ = drama_number()
    surname = f"Late{uuid.uuid4().hex[:6]}"
    await make_caller(hub, "Tess", surname, phone=stored)
    app = make_app(hub, transport=TimesOutOnce())
    async with app.run_test(size=(160, 50)) as pilot:
        await _find_and_enter(pilot, app, surname)
        await wait_for(pilot, lambda: isinstance(app.screen, UnreachableScreen), what="unreachable")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ProfileScreen), within=10, what="hub back"
        )
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        await wait_for(pilot, lambda: screen.profile.complete, within=5, what="the profile")
        assert "Opening" not in str(screen.query_one("#greeting").render())


async def test_enter_right_after_typing_opens_the_caller_typed_not_the_last_search(
    hub: Any,
) -> None:
    """The agent types a new name and presses Enter before the search for it has answered:
    the caller opened must be the one typed, never the previous search's only hit."""
    tag = uuid.uuid4().hex[:6]
    first, _ = drama_number()
    second, _ = drama_number()
    await make_caller(hub, "Anna", f"Alpha{tag}", phone=first)
    await make_caller(hub, "Bert", f"Bravo{tag}", phone=second)
    app = make_app(hub)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="search")
        await pilot.press(*f"Alpha{tag}")
        await wait_for(
            pilot, lambda: app.screen.query_one(ResultsTable).row_count == 1, what="the hit"
        )
        app.screen.query_one("#query", Input).value = f"Bravo{tag}"  # pasted over it
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="a profile")
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.profile.name == f"Bert Bravo{tag}"


def _on_screen_anywhere(app: Any) -> str:
    """Every screen's widgets' text, their borders' titles included (a dialog's box shows the
    customer's name in its subtitle)."""
    shown = []
    for screen in app.screen_stack:
        for widget in screen.query("*"):
            shown += [str(widget.render()), str(widget.border_title), str(widget.border_subtitle)]
    return "\n".join(shown)


@pytest.mark.parametrize("key", ["n", "c", "p"])
async def test_a_dialog_open_when_its_customer_is_erased_closes_with_nothing_of_theirs(
    hub: Any, key: str
) -> None:
    """The agent has a dialog open (note, consent, likes) when the customer is erased
    elsewhere: the dialog goes, and no name is left in a title on any screen."""
    stored, spoken = drama_number()
    surname = f"Dlg{uuid.uuid4().hex[:6]}"
    profile_id = await make_caller(hub, "Wren", surname, phone=stored)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press(key)
        await wait_for(pilot, lambda: app.screen is not screen, what="the dialog")
        assert surname in _on_screen_anywhere(app)
        erase = "mutation($id: ID!) { eraseProfile(profileId: $id) { erased } }"
        assert (await gql(hub, erase, {"id": profile_id}))["eraseProfile"]["erased"] is True
        badge = screen.query_one(LiveBadge)
        await wait_for(pilot, lambda: badge.state == "erased", within=5, what="erased badge")
        await wait_for(pilot, lambda: app.screen is screen, within=5, what="the dialog closed")
        await pilot.pause(0.3)
        assert surname not in _on_screen_anywhere(app)


async def test_saving_for_a_customer_erased_unannounced_says_so_in_plain_words(
    hub: Any,
) -> None:
    """The erase has not reached the desk (its live feed is down) when the agent saves a note:
    the agent reads that the profile is gone, not the hub's "There is no profile “…”"."""
    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Wren", f"Late{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        screen.workers.cancel_group(screen, "live")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="note")
        app.screen.query_one(TextArea).text = "Called about a refund"
        erase = "mutation($id: ID!) { eraseProfile(profileId: $id) { erased } }"
        assert (await gql(hub, erase, {"id": profile_id}))["eraseProfile"]["erased"] is True
        await pilot.press("ctrl+s")
        said = app.screen.query_one("#form-error")
        await wait_for(pilot, lambda: str(said.render()).strip(), what="the answer")
        assert "There is no profile" not in str(said.render())
        assert "no longer there" in str(said.render())


class FirstConsentLate(httpx.AsyncBaseTransport):
    """A hub that gets the desk's first consent write `delay` s late (a slow proxy, a
    retransmit): a later write may overtake it unless the desk sends them in order."""

    def __init__(self, delay: float = 0.8) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.delay = delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.delay and b"SetConsent(" in request.content:
            delay, self.delay = self.delay, 0.0
            await asyncio.sleep(delay)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_consent_toggled_twice_quickly_ends_as_pressed_on_the_hub_and_screen(
    hub: Any,
) -> None:
    """Granted then withdrawn at once: the hub must end withdrawn (the second press), and the
    switch show what the hub holds, however the writes travel."""
    from textual.widgets import Switch

    from clients.callcenter.dialogs.consent import ConsentDialog

    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Quin", f"Twice{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken, transport=FirstConsentLate())
    async with app.run_test(size=(160, 50)) as pilot:
        await _open(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentDialog), what="consent")
        switch = app.screen.query_one("#consent-MARKETING_EMAIL", Switch)
        status = app.screen.query_one("#status-MARKETING_EMAIL")
        switch.value = True
        await pilot.pause(0.1)
        switch.value = False
        await pilot.pause(2.0)
        await wait_for(pilot, lambda: "saved" in str(status.render()), what="saved")
        consents = "query($id: ID) { profile(id: $id) { consents { purpose granted } } }"
        stored_consents = (await gql(hub, consents, {"id": profile_id}))["profile"]["consents"]
        email = {c["purpose"]: c for c in stored_consents}["MARKETING_EMAIL"]
        assert email["granted"] is False, "the first press overtook the second"
        assert switch.value is False
        assert "withdrawn" in str(status.render())


async def test_consent_dialog_closed_at_once_after_a_press_still_saves_it(hub: Any) -> None:
    """Done pressed while the switch's write is on its way: the dialog closes once the hub has
    answered, and the hub holds what was pressed (closing at once cancelled the write)."""
    from textual.widgets import Switch

    from clients.callcenter.dialogs.consent import ConsentDialog

    stored, spoken = drama_number()
    profile_id = await make_caller(hub, "Rosa", f"Done{uuid.uuid4().hex[:6]}", phone=stored)
    app = make_app(hub, caller=spoken, transport=FirstConsentLate())
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentDialog), what="consent")
        app.screen.query_one("#consent-MARKETING_SMS", Switch).value = True
        await pilot.pause(0.1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, within=5, what="closed")
        consents = "query($id: ID) { profile(id: $id) { consents { purpose granted } } }"
        stored_consents = (await gql(hub, consents, {"id": profile_id}))["profile"]["consents"]
        assert {c["purpose"]: c for c in stored_consents}["MARKETING_SMS"]["granted"] is True


async def test_a_caller_pop_that_timed_out_opens_the_caller_once_the_hub_answers(
    hub: Any,
) -> None:
    """The caller's number comes with the call, but the hub does not answer the look-up: once
    it answers again, the caller's profile opens (as a profile read that failed is read again),
    not the empty search screen."""
    stored, spoken = drama_number()
    surname = f"Pop{uuid.uuid4().hex[:6]}"
    profile_id = await make_caller(hub, "Vera", surname, phone=stored)
    app = make_app(hub, caller=spoken, transport=TimesOutOnce(b"FindProfile("))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, UnreachableScreen), what="unreachable")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ProfileScreen), within=12, what="the caller"
        )
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        assert screen.profile.id == profile_id
        await wait_for(pilot, lambda: screen.profile.complete, within=5, what="the profile")


class UnavailableTwice(httpx.AsyncBaseTransport):
    """A hub whose database is away for the first two caller look-ups (a failover): it answers
    them with its typed, retryable UNAVAILABLE error."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.failures = 2

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failures and b"FindProfile(" in request.content:
            self.failures -= 1
            error = {"message": "The store is unavailable; try again shortly.", "path": ["profile"]}
            error["extensions"] = {"code": "UNAVAILABLE", "retryable": True}
            return httpx.Response(200, json={"data": None, "errors": [error]}, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_caller_pop_the_hub_could_not_serve_is_tried_again_by_itself(hub: Any) -> None:
    """The hub answers the caller look-up "unavailable" (its database failing over): the
    search screen stays on top, so the look-up is tried again after a short wait, and the
    caller's profile opens with no key pressed."""
    stored, spoken = drama_number()
    surname = f"Retry{uuid.uuid4().hex[:6]}"
    profile_id = await make_caller(hub, "Nell", surname, phone=stored)
    app = make_app(hub, caller=spoken, transport=UnavailableTwice())
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(
            pilot, lambda: " s (F2 to try now)" in _screen_text(app), what="the wait said"
        )
        await wait_for(
            pilot, lambda: isinstance(app.screen, ProfileScreen), within=15, what="the caller"
        )
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        assert screen.profile.id == profile_id
