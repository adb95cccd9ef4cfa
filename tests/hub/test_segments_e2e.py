"""Segments and segment exports end to end, on a real hub (content slots, which target
segments, are in test_content_slots_e2e.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import HubHandle, drama_phone, unique
from tests.hub.gql import SET_CONSENT, SET_PREFERENCES
from tests.hub.test_identity_e2e import identify, track, view
from tests.hub.test_recommendations_e2e import smallest_category

SAVE = """mutation($input: SegmentInput!) { saveSegment(input: $input) {
  segment { id name description rule } userErrors { field code message } } }"""
MEMBERSHIPS = """query($id: ID!) { profile(id: $id) { segments { segment { id name } reason } } }"""
# Not sent here: test_content_slots_e2e.py and test_next_best_actions_e2e.py import it from here.
SAVE_CONTENT = """mutation($input: ContentInput!) { saveContent(input: $input) {
  content { id slot segmentId touchpoints } userErrors { field code message } } }"""
EXPORT = """mutation($id: ID!, $purpose: ConsentPurpose!, $format: ExportFormat!) {
  exportSegment(segmentId: $id, purpose: $purpose, format: $format) {
    count excludedWithoutConsent excludedWithoutContact data
    userErrors { field code message } } }"""


def save(hub: HubHandle, rule: Any, key: str | None = None, **extra: Any) -> dict[str, Any]:
    body = hub.gql(SAVE, {"input": {"name": unique("Segment "), "rule": rule, **extra}}, key=key)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["saveSegment"]
    return payload


def member_of(hub: HubHandle, profile_id: str, key: str | None = None) -> dict[str, str]:
    body = hub.gql(MEMBERSHIPS, {"id": profile_id}, key=key)
    assert "errors" not in body, body
    return {m["segment"]["id"]: m["reason"] for m in body["data"]["profile"]["segments"]}


def shopper(hub: HubHandle, **traits: str) -> tuple[str, str]:
    anon = unique("seg-")
    profile = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", anon), **traits)["profile"]
    return profile["id"], anon


def purchase(message_id: str, kind: str, value: str, sku: str, price: float) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "identifier": {"kind": kind, "value": value},
        "type": "PURCHASE",
        "touchpoint": "WEB",
        "productSku": sku,
        "quantity": 1,
        "price": price,
    }


def test_bad_rules_are_refused_field_by_field(hub: HubHandle) -> None:
    cases: list[tuple[Any, list[str], str]] = [
        ({"likes": {}}, ["input", "rule", "likes"], "INVALID"),
        ({"all": []}, ["input", "rule", "all"], "INVALID"),
        (
            {"all": [{"event": {"type": "BOUGHT"}}]},
            ["input", "rule", "all", "0", "event", "type"],
            "INVALID",
        ),
        ({"event": {"withinDays": 0}}, ["input", "rule", "event", "withinDays"], "OUT_OF_RANGE"),
        ({"preference": {"key": "category"}}, ["input", "rule", "preference", "value"], "REQUIRED"),
        ({"trait": {"name": "gender"}}, ["input", "rule", "trait", "name"], "INVALID"),
        (
            {"trait": {"name": "title", "equals": "Mrs"}},
            ["input", "rule", "trait", "name"],
            "INVALID",
        ),
        ({"not": {"known": "yes"}}, ["input", "rule", "not", "known"], "INVALID"),
        ({"spend": {}}, ["input", "rule", "spend"], "REQUIRED"),
        ("everyone", ["input", "rule"], "INVALID"),
        (
            {
                "not": {
                    "not": {
                        "not": {"not": {"not": {"not": {"not": {"not": {"not": {"known": True}}}}}}}
                    }
                }
            },
            ["input", "rule", "not", "not", "not", "not", "not", "not", "not", "not", "not"],
            "TOO_MANY",
        ),
    ]
    for rule, path, code in cases:
        payload = save(hub, rule)
        assert payload["segment"] is None, rule
        assert [(e["field"], e["code"]) for e in payload["userErrors"]][:1] == [(path, code)], (
            rule,
            payload,
        )
    assert "demographics" in save(hub, {"trait": {"name": "age"}})["userErrors"][0]["message"]
    nameless = hub.gql(SAVE, {"input": {"name": "  ", "rule": {"known": True}}})
    assert nameless["data"]["saveSegment"]["userErrors"][0]["code"] == "REQUIRED"
    # Only operators define segments.
    for key in (hub.web_key, hub.kiosk_key, hub.agent_token()):
        refused = save(hub, {"known": True}, key=key)
        assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    listed = hub.post("{ segments { id } }", key=hub.web_key).json()
    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_spend_bounds_are_checked_like_event_bounds(hub: HubHandle) -> None:
    """A spend window nobody can fall in is refused as an event's is (it was saved, and matched
    nobody ever); a bound out of range is one error, not also "needs atLeast or atMost"."""
    cases: list[tuple[Any, list[tuple[list[str], str]]]] = [
        (
            {"spend": {"atLeast": 100, "atMost": 50}},
            [(["input", "rule", "spend", "atMost"], "OUT_OF_RANGE")],
        ),
        (
            {"event": {"atLeast": 5, "atMost": 2}},
            [(["input", "rule", "event", "atMost"], "OUT_OF_RANGE")],
        ),
        (
            {"spend": {"atLeast": 1e12}},
            [(["input", "rule", "spend", "atLeast"], "OUT_OF_RANGE")],
        ),
    ]
    for rule, errors in cases:
        payload = save(hub, rule)
        assert payload["segment"] is None, (rule, payload)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == errors, (rule, payload)
    assert save(hub, {"spend": {"atLeast": 50, "atMost": 50}})["userErrors"] == []


def test_a_segment_name_is_unique_and_a_segment_can_be_changed(hub: HubHandle) -> None:
    first = save(hub, {"known": True})["segment"]
    again = hub.gql(SAVE, {"input": {"name": first["name"], "rule": {"known": False}}})
    assert again["data"]["saveSegment"]["userErrors"][0]["code"] == "DUPLICATE"
    changed = hub.gql(
        SAVE,
        {
            "input": {
                "id": first["id"],
                "name": first["name"],
                "description": "Shoppers we know",
                "rule": {"all": [{"known": True}, {"identifier": {"kind": "EMAIL"}}]},
            }
        },
    )["data"]["saveSegment"]
    assert changed["userErrors"] == []
    assert changed["segment"]["id"] == first["id"]
    assert changed["segment"]["rule"] == {
        "all": [{"known": True}, {"identifier": {"kind": "EMAIL"}}]
    }
    missing = hub.gql(
        SAVE, {"input": {"id": "999999999", "name": unique("x"), "rule": {"known": True}}}
    )
    assert missing["data"]["saveSegment"]["userErrors"][0]["code"] == "NOT_FOUND"


def test_membership_follows_behaviour_at_once_and_what_they_say_outranks_it(
    hub: HubHandle,
) -> None:
    slug, name, skus = smallest_category(hub)
    segment = save(hub, {"preference": {"key": "category", "value": slug}})["segment"]
    profile_id, anon = shopper(hub)
    assert segment["id"] not in member_of(hub, profile_id)

    track(
        hub, hub.kiosk_key, [view(unique("v"), "ANONYMOUS_ID", anon, s, "KIOSK") for s in skus[:3]]
    )
    reasons = member_of(hub, profile_id)
    assert reasons[segment["id"]] == f"You have shown a lot of interest in {name}"

    # A stated dislike outranks what was learned: out of the segment at once.
    hub.gql(
        SET_PREFERENCES,
        {
            "id": profile_id,
            "tp": "KIOSK",
            "prefs": [{"key": "category", "value": slug, "like": False}],
        },
    )
    assert segment["id"] not in member_of(hub, profile_id)
    stated = save(
        hub, {"preference": {"key": "category", "value": slug, "like": False, "source": "EXPLICIT"}}
    )
    assert (
        member_of(hub, profile_id)[stated["segment"]["id"]] == f"You told us you don't like {name}"
    )


def test_event_counts_spend_and_not_explain_themselves(hub: HubHandle) -> None:
    _, _, skus = smallest_category(hub)
    loyalty = unique("SEG").upper()
    profile = identify(hub, hub.web_key, "WEB", ("LOYALTY_ID", loyalty), firstName="Ada")["profile"]
    regular = save(
        hub, {"event": {"type": "PURCHASE", "withinDays": 30, "atLeast": 2, "touchpoint": "WEB"}}
    )["segment"]
    lapsed = save(hub, {"not": {"event": {"type": "PURCHASE", "withinDays": 90}}})["segment"]
    big = save(hub, {"spend": {"atLeast": 100}})["segment"]
    assert lapsed["id"] in member_of(hub, profile["id"])
    assert (
        member_of(hub, profile["id"])[lapsed["id"]]
        == "You haven't bought anything in the last 90 days"
    )

    track(
        hub,
        hub.web_key,
        [purchase(unique("p"), "LOYALTY_ID", loyalty, skus[i], 60.0) for i in range(2)],
    )
    reasons = member_of(hub, profile["id"])
    assert reasons[regular["id"]] == "You bought on the web site twice in the last 30 days"
    assert lapsed["id"] not in reasons
    assert reasons[big["id"]] == "You spent £120.00 in all"
    # A shared screen hears no amounts of money.
    kiosk_reasons = member_of(hub, profile["id"], key=hub.kiosk_key)
    assert kiosk_reasons[big["id"]] == "Based on what you have bought from us"

    # A purchase long ago is outside the window, and a return counts against the spend.
    old = purchase(unique("p"), "LOYALTY_ID", loyalty, skus[2], 10.0)
    old["occurredAt"] = (datetime.now(UTC) - timedelta(days=200)).isoformat()
    refund = purchase(unique("r"), "LOYALTY_ID", loyalty, skus[0], 60.0)
    refund["type"] = "RETURN"
    track(hub, hub.web_key, [old, refund])
    reasons = member_of(hub, profile["id"])
    assert reasons[regular["id"]] == "You bought on the web site twice in the last 30 days"
    assert big["id"] not in reasons


def test_export_honours_consent_and_carries_only_the_contact_the_purpose_needs(
    hub: HubHandle,
) -> None:
    marker = unique("Exp")
    segment = save(hub, {"trait": {"name": "preferredStore", "equals": marker}})["segment"]
    people = []
    for i, (granted, with_email) in enumerate(
        [(True, True), (True, True), (False, True), (True, False)]
    ):
        identifiers = [("LOYALTY_ID", unique("EXP").upper())]
        if with_email:
            identifiers.append(("EMAIL", f"{unique('exp')}@example.com"))
        identifiers.append(("PHONE", drama_phone()))
        profile = identify(
            hub,
            hub.web_key,
            "WEB",
            *identifiers,
            firstName="=HYPERLINK(1)" if i == 0 else f"Ex{i}",
            lastName="Porter",
            preferredStore=marker,
        )["profile"]
        hub.gql(
            SET_CONSENT,
            {"id": profile["id"], "purpose": "MARKETING_EMAIL", "granted": granted, "tp": "WEB"},
        )
        people.append((profile, identifiers))

    done = hub.gql(EXPORT, {"id": segment["id"], "purpose": "MARKETING_EMAIL", "format": "CSV"})
    payload = done["data"]["exportSegment"]
    assert payload["userErrors"] == [], payload
    assert (
        payload["count"],
        payload["excludedWithoutConsent"],
        payload["excludedWithoutContact"],
    ) == (2, 1, 1)
    rows = list(csv.DictReader(io.StringIO(payload["data"])))
    assert {r["profileId"] for r in rows} == {people[0][0]["id"], people[1][0]["id"]}
    assert set(rows[0]) == {"profileId", "firstName", "lastName", "email", "reason"}, (
        "no phone numbers"
    )
    emails = {dict(p[1])["EMAIL"] for p in people[:2]}
    assert {r["email"] for r in rows} == emails
    assert {r["reason"] for r in rows} == {f"Your preferred store is {marker}"}
    assert "'=HYPERLINK(1)" in {r["firstName"] for r in rows}, "no formulas reach a spreadsheet"

    as_json = hub.gql(EXPORT, {"id": segment["id"], "purpose": "ANALYTICS", "format": "JSON"})
    analytics = as_json["data"]["exportSegment"]
    members = json.loads(analytics["data"])
    assert all(set(m) == {"profileId", "reason"} for m in members), "analytics carries no contacts"

    for key in (hub.web_key, hub.agent_token()):
        refused = hub.gql(
            EXPORT, {"id": segment["id"], "purpose": "MARKETING_EMAIL", "format": "CSV"}, key=key
        )["data"]["exportSegment"]
        assert refused["userErrors"][0]["code"] == "FORBIDDEN" and refused["data"] is None
    unknown = hub.gql(EXPORT, {"id": "12x", "purpose": "ANALYTICS", "format": "CSV"})
    assert unknown["data"]["exportSegment"]["userErrors"][0]["field"] == ["segmentId"]
    audit = hub.gql("{ auditLog(first: 20) { action detail } }")["data"]["auditLog"]
    assert any(a["action"] == "EXPORT_SEGMENT" and segment["name"] in a["detail"] for a in audit)


def test_the_demo_store_comes_with_segments_content_and_offers(hub: HubHandle) -> None:
    names = {s["name"] for s in hub.gql("{ segments { name } }")["data"]["segments"]}
    assert {
        "Christmas shoppers",
        "Kitchen & baking fans",
        "Big spenders",
        "Frequent returners",
        "Email newsletter audience",
    } <= names
    offers = hub.gql('{ contentItems(slot: "next-best-action") { title segmentId } }')["data"][
        "contentItems"
    ]
    assert {"Offer a trade account", "Invite to the baking masterclass"} <= {
        o["title"] for o in offers
    }
    assert all(o["segmentId"] for o in offers if o["title"] == "Offer a trade account")
    # The sample's customers really fall into them.
    big = next(
        s
        for s in hub.gql("{ segments { id name } }")["data"]["segments"]
        if s["name"] == "Big spenders"
    )
    export = hub.gql(EXPORT, {"id": big["id"], "purpose": "ANALYTICS", "format": "JSON"})
    members = json.loads(export["data"]["exportSegment"]["data"])
    assert members and all(m["reason"].startswith("You spent £") for m in members)


def test_without_personalisation_only_what_they_told_us_places_them_in_segments(
    hub: HubHandle,
) -> None:
    slug, _, skus = smallest_category(hub)
    learned = save(hub, {"preference": {"key": "category", "value": slug}})["segment"]
    stated_store = unique("Store")
    stated = save(hub, {"trait": {"name": "preferredStore", "equals": stated_store}})["segment"]
    profile_id, anon = shopper(hub, preferredStore=stated_store)
    track(
        hub, hub.kiosk_key, [view(unique("v"), "ANONYMOUS_ID", anon, s, "KIOSK") for s in skus[:3]]
    )
    assert {learned["id"], stated["id"]} <= set(member_of(hub, profile_id))
    hub.gql(
        SET_CONSENT,
        {"id": profile_id, "purpose": "PERSONALIZATION", "granted": False, "tp": "KIOSK"},
    )
    now = member_of(hub, profile_id)
    assert learned["id"] not in now, "what they did may no longer be used"
    assert now[stated["id"]] == f"Your preferred store is {stated_store}"
    exported = hub.gql(EXPORT, {"id": learned["id"], "purpose": "ANALYTICS", "format": "JSON"})
    assert profile_id not in {
        m["profileId"] for m in json.loads(exported["data"]["exportSegment"]["data"])
    }


def test_recent_events_can_leave_out_types(hub: HubHandle) -> None:
    _, _, skus = smallest_category(hub)
    profile_id, anon = shopper(hub)
    shown = view(unique("s"), "ANONYMOUS_ID", anon, skus[1], "KIOSK")
    shown["type"] = "RECOMMENDATION_SHOWN"
    track(hub, hub.kiosk_key, [view(unique("v"), "ANONYMOUS_ID", anon, skus[0], "KIOSK"), shown])
    query = """query($id: ID!, $t: [EventType!]) { profile(id: $id) {
      recentEvents(first: 10, types: $t) { type } } }"""
    every = hub.gql(query, {"id": profile_id, "t": None})["data"]["profile"]["recentEvents"]
    only = hub.gql(query, {"id": profile_id, "t": ["VIEW"]})["data"]["profile"]["recentEvents"]
    assert {e["type"] for e in every} == {"VIEW", "RECOMMENDATION_SHOWN"}
    assert [e["type"] for e in only] == ["VIEW"]


def test_a_shared_screen_sees_no_full_postcode_in_a_segments_rule(hub: HubHandle) -> None:
    """A kiosk shows a member's postcode as its district only ("SW1A ***"), in the reason and
    in the profile; the segment's rule, shown beside the reason, named it in full."""
    marker = unique("Postcode store ")
    rule = {
        "all": [
            {"trait": {"name": "preferredStore", "equals": marker}},
            {"trait": {"name": "postcode", "equals": "SW1A 2AA", "startsWith": "SW1A 2"}},
        ]
    }
    segment = save(hub, rule)["segment"]
    slot = unique("kiosk-postcode-")
    item = hub.gql(
        SAVE_CONTENT,
        {"input": {"slot": slot, "name": "Local", "title": "Near you", "segmentId": segment["id"]}},
    )["data"]["saveContent"]
    assert item["userErrors"] == [], item
    profile_id, _ = shopper(hub, preferredStore=marker, postcode="SW1A 2AA")
    consent = {"id": profile_id, "purpose": "PERSONALIZATION", "granted": True, "tp": "KIOSK"}
    assert hub.gql(SET_CONSENT, consent)["data"]["setConsent"]["userErrors"] == []
    query = """query($id: ID!, $slot: String!) {
      profile(id: $id) { segments { segment { id rule } reason } }
      content(slot: $slot, profileId: $id, touchpoint: KIOSK) { segment { rule } reason } }"""
    at_kiosk = hub.gql(query, {"id": profile_id, "slot": slot}, key=hub.kiosk_key)
    assert "errors" not in at_kiosk, at_kiosk
    memberships = {m["segment"]["id"]: m for m in at_kiosk["data"]["profile"]["segments"]}
    assert "SW1A ***" in memberships[segment["id"]]["reason"]
    assert at_kiosk["data"]["content"]["segment"] is not None
    assert "2AA" not in json.dumps(at_kiosk), at_kiosk
    assert "SW1A 2" not in json.dumps(at_kiosk), at_kiosk
    # Operators and agents see the rule as written.
    for key in (hub.admin_key, hub.agent_token()):
        full = hub.gql(query, {"id": profile_id, "slot": slot}, key=key)
        shown = {m["segment"]["id"]: m for m in full["data"]["profile"]["segments"]}
        assert shown[segment["id"]]["segment"]["rule"] == rule


def test_who_made_a_segment_is_told_only_to_those_who_manage_segments(hub: HubHandle) -> None:
    """`createdBy` names the operator key that made a segment ("admin:…"): a web site, a
    kiosk or an agent read it through `Profile.segments` and `content.segment`. It is not
    theirs to know; the field is non-null, so it reads empty for them."""
    marker = unique("Maker store ")
    made = hub.gql(SAVE, {"input": {"name": unique("Segment "), "rule": _store_rule(marker)}})
    segment = made["data"]["saveSegment"]["segment"]
    slot = unique("web-maker-")
    item = hub.gql(
        SAVE_CONTENT,
        {"input": {"slot": slot, "name": "Local", "title": "Near you", "segmentId": segment["id"]}},
    )["data"]["saveContent"]
    assert item["userErrors"] == [], item
    email = f"{unique()}@example.com"
    profile_id = identify(hub, hub.web_key, "WEB", ("EMAIL", email), preferredStore=marker)[
        "profile"
    ]["id"]
    query = """query($id: ID!, $slot: String!) {
      profile(id: $id) { segments { segment { id createdBy } } }
      content(slot: $slot, profileId: $id, touchpoint: WEB) { segment { id createdBy } } }"""

    def makers(key: str) -> tuple[str | None, str]:
        body = hub.gql(query, {"id": profile_id, "slot": slot}, key=key)
        assert "errors" not in body, body
        found = {
            m["segment"]["id"]: m["segment"]["createdBy"]
            for m in body["data"]["profile"]["segments"]
        }
        assert body["data"]["content"]["segment"]["id"] == segment["id"], body
        return found.get(segment["id"]), body["data"]["content"]["segment"]["createdBy"]

    operator = hub.gql("{ segments { id createdBy } }")["data"]["segments"]
    maker = next(s["createdBy"] for s in operator if s["id"] == segment["id"])
    assert maker.startswith("admin:"), maker
    assert makers(hub.admin_key) == (maker, maker)
    for key in (hub.web_key, hub.kiosk_key, hub.agent_token()):
        assert makers(key) == ("", ""), key


def _store_rule(store: str) -> dict[str, Any]:
    return {"trait": {"name": "preferredStore", "equals": store}}
