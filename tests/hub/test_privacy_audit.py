"""Privacy and consent faults found in an audit: each test names what the docs promise
(docs/privacy.md) and checks it end to end on a real hub."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import HubHandle, hub_command, unique
from tests.hub.gql import PROFILE_BY_ID, SET_CONSENT
from tests.hub.test_campaigns_e2e import RECIPIENTS, RUN, SAVE_SEGMENT, new_campaign, ok
from tests.hub.test_identity_e2e import identify, some_skus, track, view
from tests.hub.test_ledger_e2e import REDEEM, REQUEST, latest_code

ERASE = "mutation($id:ID!){eraseProfile(profileId:$id){erased userErrors{code}}}"
SET_CONSENT_UNTIL = """mutation($id: ID!, $p: ConsentPurpose!, $g: Boolean!, $until: DateTime) {
  setConsent(profileId: $id, purpose: $p, granted: $g, touchpoint: WEB, expiresAt: $until) {
    consent { purpose granted } userErrors { field code message } } }"""
EXPORT = "mutation($id:ID!){exportProfile(profileId:$id){document userErrors{code}}}"
SEGMENTS = "query($id: ID!) { profile(id: $id) { traits segments { segment { id } reason } } }"
FORGET = """mutation($id: ID!, $k: String!, $v: String!) {
  forgetInterest(profileId: $id, key: $k, value: $v, touchpoint: WEB) {
    userErrors { field code message } } }"""


def learned(hub: HubHandle, profile_id: str) -> set[tuple[str, str]]:
    profile = hub.gql(PROFILE_BY_ID, {"id": profile_id})["data"]["profile"]
    return {(p["key"], p["value"]) for p in profile["preferences"] if p["source"] == "IMPLICIT"}


def test_an_erased_recipients_campaign_row_keeps_no_personal_reason(hub: HubHandle) -> None:
    """docs/privacy.md: an erased profile keeps only an anonymous tombstone. A campaign keeps
    an erased recipient in their group (campaigns/lifecycle.py) for the comparison, but the
    segment's reason it froze for them ("Your postcode is SW1A 2AA") is the customer's
    personal data and must go with them."""
    postcode = "SW1A 2AA"
    pid, _, segment_id, store = postcode_shopper(hub, postcode)
    consent = {"id": pid, "purpose": "MARKETING_EMAIL", "granted": True, "tp": "WEB"}
    ok(hub.gql(SET_CONSENT, consent), "setConsent")
    campaign = new_campaign(hub, segment_id, controlPercent=0.0)
    ok(hub.gql(RUN, {"id": campaign["id"]}), "runCampaign")
    (before,) = hub.gql(RECIPIENTS, {"id": campaign["id"], "control": None})["data"][
        "campaignRecipients"
    ]
    assert postcode in before["reason"], before  # what the segment said at the run

    assert hub.gql(ERASE, {"id": pid})["data"]["eraseProfile"]["erased"] is True
    (after,) = hub.gql(RECIPIENTS, {"id": campaign["id"], "control": None})["data"][
        "campaignRecipients"
    ]
    assert after["profileId"] == pid and after["control"] is False, "kept in group"
    assert postcode not in (after["reason"] or ""), after
    assert store not in (after["reason"] or ""), after


def test_retention_treats_an_expired_analytics_consent_as_refused(hub: HubHandle) -> None:
    """docs/privacy.md: "An answer may carry an expiry; an expired answer counts as denied",
    and events of customers who refused ANALYTICS are kept only
    RAPPORT_NO_ANALYTICS_RETENTION_DAYS (90). A grant that has run out is no grant."""
    email = f"{unique()}@example.com"
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]["id"]
    sku = some_skus(hub, 1)[0]
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    track(
        hub,
        hub.web_key,
        [
            {**view(unique("old"), "EMAIL", email, sku, "WEB"), "occurredAt": old},
            view(unique("new"), "EMAIL", email, sku, "WEB"),
        ],
    )
    until = (datetime.now(UTC) + timedelta(seconds=1.5)).isoformat()
    granted = hub.gql(SET_CONSENT_UNTIL, {"id": pid, "p": "ANALYTICS", "g": True, "until": until})
    assert granted["data"]["setConsent"]["userErrors"] == []
    time.sleep(2)
    consents = hub.gql(PROFILE_BY_ID, {"id": pid})["data"]["profile"]["consents"]
    assert {c["purpose"]: c["granted"] for c in consents}["ANALYTICS"] is False, "expired"

    hub_command(hub.database_url, "retention")
    events = hub.gql(PROFILE_BY_ID, {"id": pid})["data"]["profile"]["recentEvents"]
    assert len(events) == 1, "the 400-day-old event of a customer without ANALYTICS is gone"


def test_a_forgotten_interest_does_not_come_back_through_a_merge(hub: HubHandle) -> None:
    """docs/privacy.md: `forgotten_interests` — "old events must not teach them again". An
    anonymous visit from before the customer asked to forget a product, merged in later, is
    such an old event: the interest stays forgotten."""
    sku = some_skus(hub, 1)[0]
    email, anon = f"{unique()}@example.com", unique("anon-")
    track(hub, hub.web_key, [view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB")])
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]["id"]
    track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, sku, "WEB")])
    assert ("product", sku) in learned(hub, pid)
    forgot = hub.gql(FORGET, {"id": pid, "k": "product", "v": sku})["data"]["forgetInterest"]
    assert forgot["userErrors"] == []
    assert ("product", sku) not in learned(hub, pid)

    merged: dict[str, Any] = identify(
        hub, hub.web_key, "WEB", ("EMAIL", email), ("ANONYMOUS_ID", anon)
    )
    assert merged["merged"] and merged["profile"]["id"] == pid
    assert ("product", sku) not in learned(hub, pid), "the visit before the forget taught it again"


def postcode_shopper(hub: HubHandle, postcode: str) -> tuple[str, str, str, str]:
    """A customer who gave a postcode, in a saved segment of that postcode's area only (and a
    marker no other test's customer has); (profile id, loyalty card, segment id, marker)."""
    store, card = unique("Store"), unique("PCD").upper()
    rule = {
        "all": [
            {"trait": {"name": "preferredStore", "equals": store}},
            {"trait": {"name": "postcode", "startsWith": postcode.split()[0]}},
        ]
    }
    segment = ok(
        hub.gql(SAVE_SEGMENT, {"input": {"name": unique("Area segment "), "rule": rule}}),
        "saveSegment",
    )["segment"]
    profile = identify(
        hub,
        hub.web_key,
        "WEB",
        ("LOYALTY_ID", card),
        ("EMAIL", f"{unique()}@example.com"),
        firstName="Kit",
        postcode=postcode,
        preferredStore=store,
    )["profile"]
    return profile["id"], card, segment["id"], store


def test_a_segment_reason_shows_the_kiosk_the_postcode_district_only(hub: HubHandle) -> None:
    """docs/privacy.md: on a shared screen "the stated postcode shows its district only
    (SW1A ***)"; test_masking_e2e holds that no field a kiosk reads carries the full postcode.
    The reason of a postcode segment ("Your postcode is EC1A 1BB") is such a field."""
    postcode = "EC1A 1BB"
    pid, _, segment_id, _ = postcode_shopper(hub, postcode)
    staff = hub.gql(SEGMENTS, {"id": pid})["data"]["profile"]
    (mine,) = [s for s in staff["segments"] if s["segment"]["id"] == segment_id]
    assert postcode in mine["reason"], mine  # staff read the reason whole
    for key in (hub.kiosk_key,):
        shown = hub.gql(SEGMENTS, {"id": pid}, key=key)["data"]["profile"]
        assert shown["traits"]["postcode"] == "EC1A ***"
        (kiosk,) = [s for s in shown["segments"] if s["segment"]["id"] == segment_id]
        assert postcode not in kiosk["reason"], kiosk
        assert "EC1A" in kiosk["reason"], kiosk


def test_the_export_for_a_kiosk_redeemed_token_shows_the_postcode_district_only(
    hub: HubHandle,
) -> None:
    """docs/privacy.md: a token redeemed at a kiosk reads masked contact data, "the export
    included", and a shared screen shows the postcode's district only."""
    postcode = "EC1A 1BB"
    pid, card, _, _ = postcode_shopper(hub, postcode)
    ident = {"kind": "LOYALTY_ID", "value": card}
    sent = hub.gql(REQUEST, {"i": ident}, key=hub.kiosk_key)["data"]["requestSelfServiceCode"]
    assert sent["sent"], sent
    token = hub.gql(REDEEM, {"i": ident, "c": latest_code(hub, pid)}, key=hub.kiosk_key)["data"][
        "redeemSelfServiceCode"
    ]["token"]
    assert token
    document = hub.gql(EXPORT, {"id": pid}, key=token)["data"]["exportProfile"]["document"]
    assert document["profile"]["traits"]["postcode"] == "EC1A ***", document["profile"]
    assert postcode not in str(document)
    full = hub.gql(EXPORT, {"id": pid})["data"]["exportProfile"]["document"]
    assert full["profile"]["traits"]["postcode"] == postcode, "staff export whole"
