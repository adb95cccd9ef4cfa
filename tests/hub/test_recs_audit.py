"""Audit of the recommendation promises (docs/architecture.md "Recommendations"): each test
pins one fault found by asking the hub as a client would."""

from __future__ import annotations

import base64
from typing import Any

from hub.ids import recommendation_id, sku_in_recommendation_id
from hub.recs.families import family_of
from tests.conftest import HubHandle, unique
from tests.hub.gql import SET_CONSENT, SET_PREFERENCES
from tests.hub.test_identity_e2e import identify, track

RECS = """query($id: ID!, $first: Int!) { profile(id: $id) {
  recommendations(touchpoint: WEB, first: $first) {
    product { sku name } reason kind personal recommendationId } } }"""


def _recs(hub: HubHandle, profile_id: str, first: int = 10) -> list[dict[str, Any]]:
    body = hub.gql(RECS, {"id": profile_id, "first": first}, key=hub.admin_key)
    assert "errors" not in body, body
    picks: list[dict[str, Any]] = body["data"]["profile"]["recommendations"]
    return picks


def _customer(hub: HubHandle) -> tuple[str, str]:
    email = f"{unique()}@example.com"
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
    return email, profile["id"]


def _event(email: str, kind: str, sku: str, quantity: int, at: str) -> dict[str, Any]:
    return {
        "messageId": unique("m"),
        "identifier": {"kind": "EMAIL", "value": email},
        "type": kind,
        "touchpoint": "WEB",
        "productSku": sku,
        "quantity": quantity,
        "occurredAt": at,
    }


def test_first_zero_gives_no_picks(hub: HubHandle) -> None:
    """`first: 0` asks for nothing; the hub answered with one pick."""
    _, pid = _customer(hub)
    assert _recs(hub, pid, 0) == []
    assert len(_recs(hub, pid, 1)) == 1


def test_a_stated_product_like_is_not_called_something_they_looked_at(hub: HubHandle) -> None:
    """A shopper who only said they like a product (no view, no purchase) got "Goes well with
    X, which you looked at": a reason naming a signal that never happened."""
    _, pid = _customer(hub)
    popular = _recs(hub, pid, 1)[0]["product"]
    body = hub.gql(
        SET_PREFERENCES,
        {
            "id": pid,
            "tp": "WEB",
            "prefs": [{"key": "product", "value": popular["sku"], "like": True}],
        },
        key=hub.web_key,
    )
    assert body["data"]["setPreferences"]["userErrors"] == []
    picks = _recs(hub, pid, 10)
    assert any(popular["name"] in p["reason"] for p in picks), picks  # the like drives picks
    misleading = [p["reason"] for p in picks if "you looked at" in p["reason"]]
    assert misleading == [], "nothing was looked at: " + "; ".join(misleading)


def test_a_returned_product_is_not_pushed_as_buy_again(hub: HubHandle) -> None:
    """Bought four, sent one back: docs say returned items are never shown; the hub offered
    it as "You bought this on …" (a partial return left the learned score positive)."""
    email, pid = _customer(hub)
    sku = "22423"  # Regency Cakestand 3 Tier: in season all year (a bauble would come last)
    track(
        hub,
        hub.web_key,
        [
            _event(email, "PURCHASE", sku, 4, "2010-10-01T10:00:00Z"),
            _event(email, "RETURN", sku, 1, "2010-10-04T10:00:00Z"),
        ],
    )
    picks = _recs(hub, pid, 50)
    assert sku not in [p["product"]["sku"] for p in picks], [
        (p["kind"], p["reason"]) for p in picks if p["product"]["sku"] == sku
    ]
    # Bought again since: a staple they keep, not a returned item.
    track(hub, hub.web_key, [_event(email, "PURCHASE", sku, 4, "2010-10-20T10:00:00Z")])
    again = {p["product"]["sku"]: p for p in _recs(hub, pid, 50)}
    assert again.get(sku, {}).get("kind") == "REBUY", sorted(again)


def test_a_product_sent_back_while_personalisation_was_off_is_not_buy_again(
    hub: HubHandle,
) -> None:
    """Learning stops while PERSONALIZATION is withdrawn, so a return made then was never
    counted against the item, while the repeat-purchase habits read every stored purchase:
    once consent came back, the item sent back was offered as "You bought this on …". What a
    customer sent back is a stored fact the picks respect, not something learned."""
    email, pid = _customer(hub)
    sku, other = "22423", "85123A"
    bought = [
        _event(email, "PURCHASE", sku, 1, "2010-10-01T10:00:00Z"),
        _event(email, "PURCHASE", other, 1, "2010-10-01T10:00:00Z"),
    ]
    track(hub, hub.web_key, bought)
    assert {p["product"]["sku"]: p["kind"] for p in _recs(hub, pid, 50)}.get(sku) == "REBUY"

    def consent(granted: bool) -> None:
        answer = hub.gql(
            SET_CONSENT,
            {"id": pid, "purpose": "PERSONALIZATION", "granted": granted, "tp": "WEB"},
            key=hub.web_key,
        )
        assert answer["data"]["setConsent"]["userErrors"] == [], answer

    consent(False)
    # Sent back while nothing is learned; the other item bought and sent back then as well.
    track(
        hub,
        hub.web_key,
        [
            _event(email, "RETURN", sku, 1, "2010-10-04T10:00:00Z"),
            _event(email, "PURCHASE", other, 1, "2010-10-05T10:00:00Z"),
            _event(email, "RETURN", other, 1, "2010-10-06T10:00:00Z"),
            _event(email, "RETURN", other, 1, "2010-10-07T10:00:00Z"),
        ],
    )
    consent(True)
    picks = {p["product"]["sku"]: p for p in _recs(hub, pid, 50)}
    assert sku not in picks, (picks[sku]["kind"], picks[sku]["reason"])
    assert other not in picks, (picks[other]["kind"], picks[other]["reason"])
    # Bought again since (and learned): a staple they keep, not a returned item.
    track(hub, hub.web_key, [_event(email, "PURCHASE", sku, 1, "2010-10-20T10:00:00Z")])
    again = {p["product"]["sku"]: p for p in _recs(hub, pid, 50)}
    assert again.get(sku, {}).get("kind") == "REBUY", sorted(again)


def test_the_step_up_keeps_to_two_new_picks_per_family(hub: HubHandle) -> None:
    """At most two products new to the shopper from one family: with "12 Pencils Small Tube
    Red Spotty" on screen, the list held 12 Pencils Small Tube Skull, 36 Pencils Tube Woodland
    and, inserted after the ranking's family check, the step up 36 Pencils Tube Red Spotty."""
    _, pid = _customer(hub)
    body = hub.gql(
        """query($id: ID!) { profile(id: $id) { recommendations(touchpoint: WEB, first: 50,
        context: {productSku: "20975"}) { product { sku name } kind } } }""",
        {"id": pid},
    )
    assert "errors" not in body, body
    picks = body["data"]["profile"]["recommendations"]
    families: dict[str, list[str]] = {}
    for p in picks:
        families.setdefault(family_of(p["product"]["name"]), []).append(p["product"]["name"])
    crowded = {f: names for f, names in families.items() if len(names) > 2}
    assert crowded == {}, crowded


def test_the_product_on_screen_is_not_recommended_to_its_viewer(hub: HubHandle) -> None:
    """`context: {productSku}` is what the shopper is looking at: it counts as looked at (held
    back, as a tracked view is), yet a popular product on screen came back in its own list."""
    _, pid = _customer(hub)
    # Antique Silver Tea Glass Engraved: a best seller that nothing goes with in the sample,
    # so the list is the best sellers, itself among them.
    on_screen = "84947"
    body = hub.gql(
        """query($id: ID!, $sku: String!) { profile(id: $id) { recommendations(touchpoint: WEB,
        first: 50, context: {productSku: $sku}) { product { sku } reason } } }""",
        {"id": pid, "sku": on_screen},
    )
    assert "errors" not in body, body
    picks = body["data"]["profile"]["recommendations"]
    assert on_screen not in [p["product"]["sku"] for p in picks], picks


EVENTS = """query($id: ID!) { profile(id: $id) {
  recentEvents(first: 10) { type productSku messageId } } }"""


def test_a_pick_sent_back_by_its_recommendation_id_alone_names_its_product(
    hub: HubHandle,
) -> None:
    """The schema: "Send back [recommendationId] with RECOMMENDATION_SHOWN / _CLICKED events
    for attribution". Attribution and learning read the event's product; a click sent with
    the id alone was stored about no product, so it counted for nothing."""
    email, pid = _customer(hub)
    pick = _recs(hub, pid, 3)[1]
    shown, clicked, junk = unique("shown"), unique("click"), unique("junk")
    events = [
        {
            "messageId": message_id,
            "identifier": {"kind": "EMAIL", "value": email},
            "type": kind,
            "touchpoint": "WEB",
            "properties": {"recommendationId": rid},
        }
        for message_id, kind, rid in (
            (shown, "RECOMMENDATION_SHOWN", pick["recommendationId"]),
            (clicked, "RECOMMENDATION_CLICKED", pick["recommendationId"]),
            (junk, "RECOMMENDATION_CLICKED", "not-an-id-we-gave"),
        )
    ]
    track(hub, hub.web_key, events)
    stored = {
        e["messageId"]: e["productSku"]
        for e in hub.gql(EVENTS, {"id": pid}, key=hub.admin_key)["data"]["profile"]["recentEvents"]
    }
    assert stored == {shown: pick["product"]["sku"], clicked: pick["product"]["sku"], junk: None}


def test_a_pick_s_id_from_before_the_profile_changed_still_names_its_product(
    hub: HubHandle,
) -> None:
    """A pick's id carries the profile's version, and a page view in between changes it; a
    click sent later with the earlier id is still stored about the pick's product (the id is
    read for its product only), which is what attribution and the evaluation count."""
    email, pid = _customer(hub)
    pick = _recs(hub, pid, 3)[0]
    version = "query($id: ID!) { profile(id: $id) { version } }"
    before = hub.gql(version, {"id": pid})["data"]["profile"]["version"]
    track(hub, hub.web_key, [_event(email, "VIEW", "84947", 1, "2010-10-01T10:00:00Z")])
    assert hub.gql(version, {"id": pid})["data"]["profile"]["version"] != before
    clicked = unique("click")
    track(
        hub,
        hub.web_key,
        [
            {
                "messageId": clicked,
                "identifier": {"kind": "EMAIL", "value": email},
                "type": "RECOMMENDATION_CLICKED",
                "touchpoint": "WEB",
                "properties": {"recommendationId": pick["recommendationId"]},
            }
        ],
    )
    stored = {
        e["messageId"]: e["productSku"]
        for e in hub.gql(EVENTS, {"id": pid}, key=hub.admin_key)["data"]["profile"]["recentEvents"]
    }
    assert stored[clicked] == pick["product"]["sku"]


def test_a_recommendation_id_names_its_product_whatever_the_sku() -> None:
    for sku in ("22423", "84029G", "A.B/C-d_e", "Ærø ü 12 ✓", "x" * 64):
        rid = recommendation_id("profile-1", sku, "7")
        assert sku_in_recommendation_id(rid) == sku and rid.isascii(), rid
        assert rid != recommendation_id("profile-1", sku, "8"), "a new version, a new id"
    for junk in (None, 12, "", "abc", "0" * 20, "0" * 20 + ".", "0" * 20 + ".%%%", "x" * 500):
        assert sku_in_recommendation_id(junk) is None, junk
    control = "0" * 20 + "." + base64.urlsafe_b64encode(b"a\x00b").decode()
    assert sku_in_recommendation_id(control) is None
