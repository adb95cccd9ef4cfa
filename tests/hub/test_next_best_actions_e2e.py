"""Next best actions for agents: ranked, each with a reason; answers are events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.conftest import HubHandle, unique
from tests.hub.test_identity_e2e import identify, track, view
from tests.hub.test_recommendations_e2e import smallest_category
from tests.hub.test_registry_e2e import create as create_registry
from tests.hub.test_segments_e2e import SAVE_CONTENT, save

ACTIONS = """query($id: ID!) { nextBestActions(profileId: $id, first: 20) {
  id kind title script reason priority recommendationId product { sku name } } }"""
RESPOND = """mutation($id: ID!, $action: ID!, $ok: Boolean!) {
  respondToNextBestAction(profileId: $id, actionId: $action, accepted: $ok,
                          touchpoint: CALL_CENTER) {
    accepted duplicate action { id kind } userErrors { field code message } } }"""
EVENTS = """query($id: ID!) { profile(id: $id) { recentEvents(first: 10) {
  type touchpoint productSku properties summary } } }"""


def actions(hub: HubHandle, profile_id: str, key: str | None = None) -> list[dict[str, Any]]:
    body = hub.gql(ACTIONS, {"id": profile_id}, key=key or hub.agent_token())
    assert "errors" not in body, body
    found: list[dict[str, Any]] = body["data"]["nextBestActions"]
    return found


def respond(hub: HubHandle, profile_id: str, action_id: str, ok: bool) -> dict[str, Any]:
    body = hub.gql(
        RESPOND, {"id": profile_id, "action": action_id, "ok": ok}, key=hub.agent_token()
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["respondToNextBestAction"]
    return payload


def caller(hub: HubHandle, **traits: str) -> tuple[str, str]:
    email = f"{unique('nba')}@example.com"
    profile = identify(
        hub, hub.web_key, "WEB", ("EMAIL", email), firstName="Nora", lastName="Bloom", **traits
    )["profile"]
    return profile["id"], email


def test_a_caller_with_an_unanswered_email_gets_asked_and_a_declined_ask_is_not_repeated(
    hub: HubHandle,
) -> None:
    profile_id, _ = caller(hub)
    found = actions(hub, profile_id)
    by_id = {a["id"]: a for a in found}
    ask = by_id["consent:MARKETING_EMAIL"]
    assert ask["kind"] == "CONSENT" and ask["title"] == "Ask about marketing emails"
    assert ask["reason"] == "We have an email address but no answer about marketing emails"
    assert ask["script"]
    assert by_id["survey"]["kind"] == "DATA_QUALITY"
    assert "consent:MARKETING_SMS" not in by_id, "no phone number: nothing to ask about texts"
    assert [a["priority"] for a in found] == sorted((a["priority"] for a in found), reverse=True)

    declined = respond(hub, profile_id, "consent:MARKETING_EMAIL", False)
    assert declined["userErrors"] == [] and declined["accepted"] is False
    assert "consent:MARKETING_EMAIL" not in {a["id"] for a in actions(hub, profile_id)}
    events = hub.gql(EVENTS, {"id": profile_id})["data"]["profile"]["recentEvents"]
    assert events[0]["type"] == "NEXT_BEST_ACTION_REJECTED"
    assert events[0]["touchpoint"] == "CALL_CENTER"
    assert events[0]["properties"]["actionId"] == "consent:MARKETING_EMAIL"
    assert events[0]["summary"].startswith("Declined a suggestion")

    again = respond(hub, profile_id, "consent:MARKETING_EMAIL", True)
    assert again["userErrors"][0]["code"] == "NOT_FOUND"
    assert again["userErrors"][0]["field"] == ["actionId"]
    taken = respond(hub, profile_id, "survey", True)
    assert taken["userErrors"] == [] and taken["action"]["kind"] == "DATA_QUALITY"
    events = hub.gql(EVENTS, {"id": profile_id})["data"]["profile"]["recentEvents"]
    assert events[0]["type"] == "NEXT_BEST_ACTION_ACCEPTED"

    # The answers feed the evaluation: acceptance by kind of action.
    now = datetime.now(UTC)
    report = hub.gql(
        """query($f: DateTime!, $t: DateTime!) { evaluation(from: $f, to: $t) {
          actionResponses { kind accepted declined acceptanceRate } } }""",
        {"f": (now - timedelta(hours=1)).isoformat(), "t": (now + timedelta(hours=1)).isoformat()},
    )["data"]["evaluation"]["actionResponses"]
    by_kind = {r["kind"]: r for r in report}
    assert by_kind["CONSENT"]["declined"] >= 1 and by_kind["DATA_QUALITY"]["accepted"] >= 1
    assert 0 < by_kind["DATA_QUALITY"]["acceptanceRate"] <= 1


def test_offers_follow_segments_and_service_actions_follow_returns_and_registries(
    hub: HubHandle,
) -> None:
    marker = unique("Store")
    segment = save(hub, {"trait": {"name": "preferredStore", "equals": marker}})["segment"]
    offer = hub.gql(
        SAVE_CONTENT,
        {
            "input": {
                "slot": "next-best-action",
                "name": unique("offer"),
                "title": "Invite to the late-night opening",
                "body": "We have a late-night opening at your store next Thursday.",
                "segmentId": segment["id"],
            }
        },
    )["data"]["saveContent"]
    assert offer["userErrors"] == []
    member, email = caller(hub, preferredStore=marker)
    outsider, _ = caller(hub)
    offered = {a["id"]: a for a in actions(hub, member)}
    invite = offered[f"offer:{offer['content']['id']}"]
    assert invite["kind"] == "OFFER" and invite["reason"] == f"Your preferred store is {marker}"
    assert invite["script"] == "We have a late-night opening at your store next Thursday."
    assert f"offer:{offer['content']['id']}" not in {a["id"] for a in actions(hub, outsider)}

    _, _, skus = smallest_category(hub)
    track(
        hub,
        hub.web_key,
        [
            {
                "messageId": unique("ret"),
                "identifier": {"kind": "EMAIL", "value": email},
                "type": "RETURN",
                "touchpoint": "KIOSK",
                "productSku": skus[0],
                "quantity": 1,
                "price": 4.5,
            }
        ],
    )
    create_registry(
        hub,
        member,
        [{"sku": skus[1], "quantity": 2}],
        eventDate=(date.today() + timedelta(days=20)).isoformat(),
    )
    found = actions(hub, member)
    assert found[0]["kind"] == "SERVICE" and found[0]["title"].startswith("Ask how the return of")
    assert found[0]["product"]["sku"] == skus[0]
    assert "at the kiosk" in found[0]["reason"]
    registry = next(a for a in found if a["id"].startswith("registry:"))
    assert "2 items are still wanted" in registry["reason"]


def test_a_turned_down_pick_is_an_event_that_counts_against_the_product(hub: HubHandle) -> None:
    anon = unique("nba-anon-")
    profile = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", anon))["profile"]
    _, _, skus = smallest_category(hub)
    track(
        hub, hub.kiosk_key, [view(unique("v"), "ANONYMOUS_ID", anon, s, "KIOSK") for s in skus[:3]]
    )
    picks = [a for a in actions(hub, profile["id"]) if a["kind"] == "RECOMMENDATION"]
    assert picks and all(p["recommendationId"] and p["reason"] for p in picks), picks
    pick = picks[0]
    assert pick["title"] == f"Suggest {pick['product']['name']}"

    turned_down = respond(hub, profile["id"], pick["id"], False)
    assert turned_down["userErrors"] == []
    events = hub.gql(EVENTS, {"id": profile["id"]})["data"]["profile"]["recentEvents"]
    assert events[0]["type"] == "RECOMMENDATION_REJECTED"
    assert events[0]["productSku"] == pick["product"]["sku"]
    assert events[0]["properties"]["recommendationId"] == pick["recommendationId"]
    learned = hub.gql(
        "query($id: ID!) { profile(id: $id) { preferences(source: IMPLICIT) { key value weight "
        "} } }",
        {"id": profile["id"]},
    )["data"]["profile"]["preferences"]
    product = [p for p in learned if p["key"] == "product" and p["value"] == pick["product"]["sku"]]
    assert product and product[0]["weight"] < 0
    assert pick["id"] not in {a["id"] for a in actions(hub, profile["id"])}


def test_only_agents_and_operators_see_next_best_actions_and_agent_reads_are_audited(
    hub: HubHandle,
) -> None:
    profile_id, _ = caller(hub)
    for key in (hub.web_key, hub.kiosk_key):
        body = hub.post(ACTIONS, {"id": profile_id}, key=key).json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        refused = hub.gql(RESPOND, {"id": profile_id, "action": "survey", "ok": True}, key=key)
        assert refused["data"]["respondToNextBestAction"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert actions(hub, profile_id, key=hub.admin_key)
    missing = hub.post(ACTIONS, {"id": "nobody"}, key=hub.agent_token()).json()
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    actions(hub, profile_id)
    audit = hub.gql(
        "query($id: ID!) { auditLog(profileId: $id, first: 5) { action detail actor } }",
        {"id": profile_id},
    )["data"]["auditLog"]
    assert any(a["detail"] == "Read next best actions" for a in audit)


def test_first_zero_asks_for_no_actions(hub: HubHandle) -> None:
    """As `recommendations(first: 0)` answers []: a page of none is none, not one."""
    profile_id, _ = caller(hub)
    assert actions(hub, profile_id), "this caller has something to be offered"
    for first in (0, -3):
        body = hub.gql(
            "query($id: ID!, $n: Int!) { nextBestActions(profileId: $id, first: $n) { id } }",
            {"id": profile_id, "n": first},
            key=hub.admin_key,
        )
        assert body["data"]["nextBestActions"] == [], (first, body)
