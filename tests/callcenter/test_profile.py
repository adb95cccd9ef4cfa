"""The 360° view: what the agent records lands in the hub; what the customer does shows live."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from textual.widgets import Input, Select, Static, Switch, TextArea
from textual.widgets._toast import Toast

from clients.callcenter.dialogs.consent import ConsentDialog
from clients.callcenter.dialogs.note import NoteDialog
from clients.callcenter.dialogs.preference import PreferenceDialog
from clients.callcenter.live import ProfileChange
from clients.callcenter.messages import ProfileChanged
from clients.callcenter.screens.find_caller import FindCallerScreen
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from clients.callcenter.widgets.profile_panels import Timeline
from tests.callcenter.conftest import (
    drama_number,
    gql,
    make_app,
    make_caller,
    save_svg,
    wait_for,
)

pytestmark = pytest.mark.tui

PROFILE = """
query($id: ID) {
  profile(id: $id) {
    preferences { key value source touchpoint weight }
    consents { purpose granted touchpoint }
    notes { text author }
  }
}
"""
TRACK = """
mutation($events: [EventInput!]!) {
  track(events: $events) { accepted duplicates userErrors { message } }
}
"""


async def _open(pilot: Any, app: Any) -> ProfileScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
    screen = app.screen
    assert isinstance(screen, ProfileScreen)
    await wait_for(
        pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)), what="live feed"
    )
    return screen


async def _caller(hub: Any, first: str = "Dora") -> tuple[str, str, str]:
    stored, spoken = drama_number()
    surname = f"View{uuid.uuid4().hex[:6]}"
    profile_id = await make_caller(
        hub, first, surname, phone=stored, email=f"{first.lower()}.{surname}@example.com"
    )
    return profile_id, stored, spoken


async def test_360_view_shows_the_caller_and_is_captured(hub: Any) -> None:
    # A real customer of the sample store (CRM id 15276, 141 invoice lines), who now gives
    # a name and a phone number on the web site.
    stored, spoken = drama_number()
    profile_id = await make_caller(
        hub, "Ada", "Lovelace", title="Mrs", crm_id="15276", phone=stored,
        email=f"ada.{uuid.uuid4().hex[:6]}@example.com",
    )  # fmt: skip
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(pilot, app)
        assert screen.profile.id == profile_id
        greeting = str(screen.query_one("#greeting").content)
        assert screen.profile.greeting_line in greeting
        assert "Hello Mrs Lovelace, welcome back" in greeting
        identifiers = str(screen.query_one("#identifiers-body").content)
        assert "15276" in identifiers and "example.com" in identifiers
        assert screen.profile.orders and screen.profile.learned  # history and what it taught
        # Lifetime totals from the hub, not a sum of the recent events on screen.
        totals = (
            await gql(
                hub,
                "query($id: ID!) { profile(id: $id) { orderSummary { orders spent net } } }",
                {"id": profile_id},
            )
        )["profile"]["orderSummary"]
        assert totals["orders"] > 1
        orders = str(screen.query_one("#orders-body", Static).content)
        assert f"{totals['orders']} orders £{totals['spent']:,.2f}" in orders
        assert f"net £{totals['net']:,.2f}" in orders
        audit = screen.query_one("#audit-body")  # the agent's own read is on record
        await wait_for(pilot, lambda: hub.agent_username in str(audit.content), what="audit")
        path = await save_svg(pilot, "callcenter-360-160x50")
        assert path.stat().st_size > 10_000
    small = make_app(hub, caller=spoken)
    async with small.run_test(size=(80, 24)) as pilot:
        await _open(pilot, small)
        assert small.screen.has_class("-narrow")
        await save_svg(pilot, "callcenter-360-80x24")


async def test_recorded_preference_is_in_the_hub_at_once(hub: Any) -> None:
    profile_id, _, spoken = await _caller(hub, "Edie")
    value = f"regency-{uuid.uuid4().hex[:4]}"
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PreferenceDialog), what="dialog")
        await pilot.press(*value, "enter")
        await wait_for(pilot, lambda: app.screen is screen, what="dialog closed")
        stored = (await gql(hub, PROFILE, {"id": profile_id}))["profile"]["preferences"]
        mine = [p for p in stored if p["value"] == value]
        assert mine, stored
        assert mine[0]["key"] == "theme"
        assert mine[0]["source"] == "EXPLICIT"
        assert mine[0]["touchpoint"] == "CALL_CENTER"
        await wait_for(
            pilot, lambda: any(p.value == value for p in screen.profile.explicit), what="redraw"
        )


async def test_unknown_category_is_refused_next_to_the_value(hub: Any) -> None:
    _, _, spoken = await _caller(hub, "Fern")
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PreferenceDialog), what="dialog")
        dialog = app.screen
        dialog.query_one("#key", Select).value = "product"
        await pilot.pause()
        dialog.query_one("#value", Input).value = "NO-SUCH-SKU-4711"
        await pilot.press("ctrl+s")
        error = dialog.query_one("#value-error")
        await wait_for(pilot, lambda: error.has_class("-shown"), what="the hub's userError")
        assert "NO-SUCH-SKU-4711" in str(error.content)
        assert app.screen is dialog  # still open, so the agent can correct it


async def test_empty_preference_is_refused_inline(hub: Any) -> None:
    _, _, spoken = await _caller(hub, "Faye")
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PreferenceDialog), what="dialog")
        await pilot.press("enter")
        error = app.screen.query_one("#value-error")
        await wait_for(pilot, lambda: error.has_class("-shown"), what="inline error")
        assert isinstance(app.screen, PreferenceDialog)


async def test_consent_change_and_note_are_stored(hub: Any) -> None:
    profile_id, _, spoken = await _caller(hub, "Gwen")
    note = f"Prefers a call after 5pm ({uuid.uuid4().hex[:6]})"
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentDialog), what="consent")
        app.screen.query_one("#consent-MARKETING_EMAIL", Switch).value = True
        status = app.screen.query_one("#status-MARKETING_EMAIL")
        await wait_for(pilot, lambda: "saved" in str(status.content), what="consent saved")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="note")
        app.screen.query_one(TextArea).text = note
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="note saved")
        stored = (await gql(hub, PROFILE, {"id": profile_id}))["profile"]
        consent = {c["purpose"]: c for c in stored["consents"]}["MARKETING_EMAIL"]
        assert consent["granted"] is True
        assert consent["touchpoint"] == "CALL_CENTER"
        assert any(n["text"] == note for n in stored["notes"])
        await wait_for(
            pilot, lambda: any(n.text == note for n in screen.profile.notes or ()), what="redraw"
        )


async def test_kiosk_activity_appears_live_within_a_second(hub: Any) -> None:
    _, stored, spoken = await _caller(hub, "Hana")
    products = (await gql(hub, "query { products(first: 1) { sku name } }"))["products"]
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        screen = await _open(pilot, app)
        timeline = screen.query_one(Timeline)
        before = len(timeline.live_changes)
        event = {
            "messageId": f"kiosk-{uuid.uuid4()}",
            "identifier": {"kind": "PHONE", "value": stored},
            "type": "VIEW",
            "touchpoint": "KIOSK",
            "productSku": products[0]["sku"],
        }
        started = time.monotonic()
        result = (await gql(hub, TRACK, {"events": [event]}, key=hub.kiosk_key))["track"]
        assert result["accepted"] == 1, result
        await wait_for(
            pilot, lambda: len(timeline.live_changes) > before, within=5, what="live row"
        )
        took = time.monotonic() - started
        assert took < 1.0, f"the kiosk view took {took:.2f}s to reach the agent"
        change = timeline.live_changes[0]
        assert change.touchpoint == "KIOSK"
        # ...as a toast too, for an agent looking elsewhere on the screen.
        await wait_for(
            pilot,
            lambda: any(change.describe() in str(t.render()) for t in app.screen.query(Toast)),
            within=2,
            what="the toast",
        )
        # ...and the refreshed profile carries the event itself.
        await wait_for(
            pilot,
            lambda: any(e.touchpoint == "KIOSK" for e in screen.profile.events),
            what="refreshed timeline",
        )
        await save_svg(pilot, "callcenter-360-live")


async def test_a_customer_erased_elsewhere_ends_the_live_feed_for_good(hub: Any) -> None:
    """Erased from the web while the agent has the profile open: the agent is told, the badge
    says so and stays so (the hub completes the feed; the desktop does not reconnect to it)."""
    profile_id, _, spoken = await _caller(hub, "Ines")
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        screen = await _open(pilot, app)
        erase = "mutation($id: ID!) { eraseProfile(profileId: $id) { erased } }"
        assert (await gql(hub, erase, {"id": profile_id}))["eraseProfile"]["erased"] is True
        badge = screen.query_one(LiveBadge)
        await wait_for(pilot, lambda: badge.state == "erased", within=5, what="erased badge")
        await wait_for(
            pilot,
            lambda: any("erased" in str(t.render()) for t in app.screen.query(Toast)),
            within=2,
            what="the toast",
        )
        await pilot.pause(1.5)  # longer than the first reconnect's wait
        assert badge.state == "erased", badge.detail


async def test_wrap_up_logs_a_call_event(hub: Any) -> None:
    profile_id, _, spoken = await _caller(hub, "Iris")
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("w")
        await wait_for(pilot, lambda: not isinstance(app.screen, ProfileScreen), what="dialog")
        app.screen.query_one("#summary", Input).value = "asked about delivery"
        await pilot.press("ctrl+s")
        # The call is over: the agent is back at finding the next caller.
        await wait_for(pilot, lambda: isinstance(app.screen, FindCallerScreen), what="logged")
        assert app.screen.query_one("#query", Input).value == ""  # ready for the next call
        assert not screen.is_attached
        recent = (
            "query($id: ID) { profile(id: $id) { recentEvents(first: 5) { type touchpoint } } }"
        )
        events = (await gql(hub, recent, {"id": profile_id}))["profile"]["recentEvents"]
        assert {"type": "CALL", "touchpoint": "CALL_CENTER"} in events


async def test_own_save_is_read_once_not_again_on_its_echo(hub: Any) -> None:
    """A note saved here shows the profile the mutation answered with (no read of its own);
    the hub's `profileChanged` echo of that version shows in the live timeline but does not
    read (and audit) the profile again."""
    _, _, spoken = await _caller(hub, "Iris")
    note = f"Call back on Friday ({uuid.uuid4().hex[:6]})"
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        timeline = screen.query_one(Timeline)
        reads: list[str] = []
        fetch = screen.client.profile

        async def counted(profile_id: str) -> Any:
            reads.append(profile_id)
            return await fetch(profile_id)

        screen.client.profile = counted  # type: ignore[method-assign]
        before = len(timeline.live_changes)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="note")
        app.screen.query_one(TextArea).text = note
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="note saved")
        await wait_for(
            pilot, lambda: len(timeline.live_changes) > before, within=5, what="the echo"
        )
        await wait_for(
            pilot, lambda: any(n.text == note for n in screen.profile.notes or ()), what="redraw"
        )
        await pilot.pause(0.5)  # time for a read, if the echo caused one
        assert len(reads) == 0, reads
        # An echo that comes late (after the reload, e.g. through another hub's NOTIFY) of the
        # version on screen: shown in the timeline, not read again.
        shown = screen.profile.version
        late = ProfileChange(
            profileId=screen.profile.id,
            version=shown,
            touchpoint="CALL_CENTER",
            kind="NOTE_ADDED",
            summary="Note added",
            mergedInto=None,
        )
        screen.post_message(ProfileChanged(late))
        await wait_for(pilot, lambda: late in timeline.live_changes, what="the late echo")
        await pilot.pause(0.5)
        assert len(reads) == 0, reads
        # A change made elsewhere (a newer version) is still read.
        await gql(
            hub,
            'mutation($p: ID!) { addNote(profileId: $p, text: "From the back office") '
            "{ userErrors { message } } }",
            {"p": screen.profile.id},
        )
        await wait_for(pilot, lambda: len(reads) == 1, within=5, what="a read for a new version")
