"""Contact details typed as free text never reach a shared screen, however they got in.

A preference stored before values were checked, an agent's note, a search, an event property,
a gift registry title: a kiosk key (and a kiosk-redeemed self-service token) reads each of them
with email addresses and phone numbers masked; admins and agents read them in full. New
preference values shaped like contact details are refused at write.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import sqlalchemy
from sqlalchemy.ext.asyncio import create_async_engine

from hub.db import utcnow
from hub.preferences.models import Preference
from tests.conftest import HubHandle, drama_phone, unique
from tests.hub.gql import ADD_NOTE, SET_PREFERENCES
from tests.hub.test_identity_e2e import identify, some_skus, track
from tests.hub.test_ledger_e2e import REDEEM, REQUEST, latest_code
from tests.hub.test_realtime_e2e import _next_change, _open, _subscribe

FREE_TEXT = """query($id: ID!) { profile(id: $id) {
  traits
  preferences { key value label like source reason }
  recentEvents(first: 20) { type summary properties }
  notes { text }
  giftRegistries { code title occasion }
  segments { reason }
  recommendations(touchpoint: KIOSK, first: 5) { reason }
} }"""
# The same fields through aliases, a named fragment and an inline fragment.
FRAGMENTS = """query($id: ID!) { shopper: profile(id: $id) { ...Likes
  ... on Profile { events: recentEvents(first: 20) { said: summary attached: properties } } } }
fragment Likes on Profile { likes: preferences { what: value why: reason } }"""
REGISTRY = """mutation($id: ID!, $input: GiftRegistryInput!) {
  createGiftRegistry(profileId: $id, input: $input, touchpoint: STORE) {
    giftRegistry { code title } userErrors { field code message } } }"""
BY_CODE = "query($c: String!) { giftRegistry(code: $c) { code title ownerFirstName } }"


class Contact:
    """An email address and a UK drama number nobody else in this run uses, and how a shared
    screen shows each."""

    def __init__(self) -> None:
        self.email = f"jane.{unique()}@example.com"
        self.phone = drama_phone()
        self.masked_email = "j***@example.com"
        self.masked_phone = f"*** *** {self.phone[-4:]}"

    def absent_from(self, text: str) -> bool:
        digits = self.phone.replace(" ", "")
        return self.email not in text and self.phone not in text and digits not in text

    def present_in(self, text: str) -> bool:
        return self.email in text and self.phone in text


async def insert_preference(database_url: str, profile_id: str, key: str, value: str) -> None:
    """A stated preference written straight to the database, as one stored before values were
    checked would be."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sqlalchemy.insert(Preference).values(
                    profile_id=profile_id,
                    key=key,
                    value=value,
                    like=True,
                    weight=1.0,
                    touchpoint="STORE",
                    origin="preferences",
                    created_at=utcnow(),
                    updated_at=utcnow(),
                )
            )
    finally:
        await engine.dispose()


def _customer(hub: HubHandle) -> tuple[str, str]:
    """A known customer (loyalty card and email, created by the web site's server)."""
    loyalty = f"FREE-{unique()}".upper()
    profile = identify(
        hub,
        hub.web_key,
        "WEB",
        ("LOYALTY_ID", loyalty),
        ("EMAIL", f"{unique()}@example.com"),
        firstName="Jane",
    )["profile"]
    return profile["id"], loyalty


def _registry(hub: HubHandle, profile_id: str, title: str, key: str) -> str:
    body = hub.gql(
        REGISTRY,
        {
            "id": profile_id,
            "input": {
                "title": title,
                "occasion": "wedding",
                "eventDate": (date.today() + timedelta(days=60)).isoformat(),
                "items": [{"sku": some_skus(hub, 1)[0], "quantity": 1}],
            },
        },
        key=key,
    )
    payload = body["data"]["createGiftRegistry"]
    assert payload["userErrors"] == [], payload
    code: str = payload["giftRegistry"]["code"]
    return code


def _contact_everywhere(hub: HubHandle) -> tuple[str, str, str, Contact]:
    """A customer with the same contact details in every kind of free text a kiosk reads."""
    contact = Contact()
    said = f"call me on {contact.phone} or write to {contact.email}"
    profile_id, loyalty = _customer(hub)
    asyncio.run(insert_preference(hub.database_url, profile_id, "occasion", said))
    track(
        hub,
        hub.web_key,
        [
            {
                "messageId": unique("m"),
                "type": "SEARCH",
                "touchpoint": "WEB",
                "identifier": {"kind": "LOYALTY_ID", "value": loyalty},
                "properties": {"query": said, "contact": {contact.email: contact.phone}},
            }
        ],
    )
    note = hub.gql(ADD_NOTE, {"id": profile_id, "text": said}, key=hub.agent_token())
    assert note["data"]["addNote"]["userErrors"] == [], note
    code = _registry(hub, profile_id, f"Jane's wedding ({contact.phone})", hub.admin_key)
    return profile_id, loyalty, code, contact


def _read(hub: HubHandle, key: str, profile_id: str, code: str) -> tuple[dict[str, Any], str]:
    profile = hub.gql(FREE_TEXT, {"id": profile_id}, key=key)
    assert "errors" not in profile, profile
    registry = hub.gql(BY_CODE, {"c": code}, key=key)
    assert "errors" not in registry, registry
    fragments = hub.gql(FRAGMENTS, {"id": profile_id}, key=key)
    assert "errors" not in fragments, fragments
    text = json.dumps([profile, registry, fragments], ensure_ascii=False)
    return profile["data"]["profile"], text


def test_free_text_is_masked_for_the_kiosk_and_whole_for_staff(hub: HubHandle) -> None:
    profile_id, _, code, contact = _contact_everywhere(hub)

    profile, text = _read(hub, hub.kiosk_key, profile_id, code)
    assert contact.absent_from(text), text
    # Masked, not dropped: the screen still shows what was said, with the details hidden.
    pref = next(p for p in profile["preferences"] if p["key"] == "occasion")
    assert pref["value"] == (
        f"call me on {contact.masked_phone} or write to {contact.masked_email}"
    )
    search = next(e for e in profile["recentEvents"] if e["type"] == "SEARCH")
    assert contact.masked_phone in search["summary"]
    assert search["properties"]["contact"] == {contact.masked_email: contact.masked_phone}
    assert profile["giftRegistries"][0]["title"] == f"Jane's wedding ({contact.masked_phone})"
    assert profile["notes"] is None, "a kiosk reads no notes at all"

    for staff in (hub.admin_key, hub.agent_token()):
        profile, text = _read(hub, staff, profile_id, code)
        assert contact.present_in(text), text
        note = profile["notes"][0]["text"]
        assert note == f"call me on {contact.phone} or write to {contact.email}"


def test_a_kiosk_redeemed_token_reads_free_text_masked(hub: HubHandle) -> None:
    profile_id, loyalty, code, contact = _contact_everywhere(hub)
    ident = {"kind": "LOYALTY_ID", "value": loyalty}
    sent = hub.gql(REQUEST, {"i": ident}, key=hub.kiosk_key)["data"]["requestSelfServiceCode"]
    assert sent["sent"], sent
    redeemed = hub.gql(REDEEM, {"i": ident, "c": latest_code(hub, profile_id)}, key=hub.kiosk_key)[
        "data"
    ]["redeemSelfServiceCode"]
    assert redeemed["token"], redeemed
    profile, text = _read(hub, redeemed["token"], profile_id, code)
    assert contact.absent_from(text), text
    assert any(contact.masked_email in (p["value"] or "") for p in profile["preferences"])


def test_mutation_payloads_are_masked_for_the_kiosk(hub: HubHandle) -> None:
    profile_id, _, _, contact = _contact_everywhere(hub)
    body = hub.gql(
        SET_PREFERENCES,
        {"id": profile_id, "tp": "KIOSK", "prefs": [{"key": "theme", "value": "vintage"}]},
        key=hub.kiosk_key,
    )
    payload = body["data"]["setPreferences"]
    assert payload["userErrors"] == [], payload
    text = json.dumps(payload)
    assert contact.absent_from(text) and contact.masked_email in text, text


async def test_a_live_feed_shows_the_kiosk_masked_summaries(hub: HubHandle) -> None:
    contact = Contact()
    loop = asyncio.get_running_loop()
    profile_id, _ = await loop.run_in_executor(None, _customer, hub)
    kiosk = await _open(hub, hub.kiosk_key)
    staff = await _open(hub, hub.agent_token())
    try:
        await _subscribe(kiosk, profile_id)
        await _subscribe(staff, profile_id)
        await asyncio.sleep(0.3)  # let the subscriptions register before the write
        title = f"Ring {contact.phone} or {contact.email}"
        await loop.run_in_executor(None, _registry, hub, profile_id, title, hub.admin_key)
        shown = await _next_change(kiosk)
        assert shown["kind"] == "REGISTRY"
        assert contact.absent_from(json.dumps(shown)), shown
        assert f"Ring {contact.masked_phone} or {contact.masked_email}" in shown["summary"]
        whole = await _next_change(staff)
        assert title in whole["summary"]
    finally:
        await kiosk.close()
        await staff.close()


def test_contact_shaped_preference_values_are_refused(hub: HubHandle) -> None:
    profile_id, _ = _customer(hub)
    contact = Contact()
    for key, value in (
        (hub.admin_key, f"call me at {contact.email}"),
        (hub.kiosk_key, contact.phone),
        (hub.agent_token(), f"+44 {contact.phone[1:]}"),
    ):
        body = hub.gql(
            SET_PREFERENCES,
            {
                "id": profile_id,
                "tp": "KIOSK",
                "prefs": [
                    {"key": "theme", "value": "vintage"},
                    {"key": "occasion", "value": value},
                ],
            },
            key=key,
        )
        payload = body["data"]["setPreferences"]
        assert payload["profile"] is None
        [error] = payload["userErrors"]
        assert error["field"] == ["preferences", "1", "value"]
        assert error["code"] == "CONTACT_DATA"
        assert "contact details" in error["message"].lower()
        assert contact.absent_from(json.dumps(payload)), "the refusal does not echo them"
    stored = hub.gql(
        "query($id: ID!) { profile(id: $id) { preferences(source: EXPLICIT) { value } } }",
        {"id": profile_id},
    )["data"]["profile"]["preferences"]
    assert stored == [], "all or nothing: not even the valid preference was stored"


def test_a_stored_contact_shaped_preference_can_still_be_forgotten(hub: HubHandle) -> None:
    profile_id, _ = _customer(hub)
    contact = Contact()
    asyncio.run(insert_preference(hub.database_url, profile_id, "occasion", contact.email))
    body = hub.gql(
        SET_PREFERENCES,
        {
            "id": profile_id,
            "tp": "STORE",
            "prefs": [{"key": "occasion", "value": contact.email, "remove": True}],
        },
    )
    assert body["data"]["setPreferences"]["userErrors"] == [], body
    assert body["data"]["setPreferences"]["profile"]["preferences"] == []
