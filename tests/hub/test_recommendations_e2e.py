"""Recommendations follow what the shopper does within the same visit, with reasons."""

from __future__ import annotations

from collections import Counter

from tests.conftest import HubHandle, unique
from tests.hub.gql import SET_CONSENT, SET_PREFERENCES
from tests.hub.test_identity_e2e import identify, track, view

RECS = """query($id: ID!) { profile(id: $id) { recommendations(touchpoint: KIOSK, first: 6) {
  product { sku name category { slug name } } score reason recommendationId personal } } }"""


def recs(hub: HubHandle, profile_id: str) -> list[dict[str, object]]:
    body = hub.gql(RECS, {"id": profile_id}, key=hub.kiosk_key)
    assert "errors" not in body, body
    picks: list[dict[str, object]] = body["data"]["profile"]["recommendations"]
    return picks


def products_named(hub: HubHandle, skus: list[str]) -> list[dict[str, str]]:
    return [
        hub.gql("query($s:String!){product(sku:$s){sku name}}", {"s": s})["data"]["product"]
        for s in skus
    ]


def smallest_category(hub: HubHandle) -> tuple[str, str, list[str]]:
    cats = hub.gql("{ categories { slug name productCount } }")["data"]["categories"]
    cat = min((c for c in cats if c["productCount"] >= 8), key=lambda c: c["productCount"])
    body = hub.gql(
        "query($c:String!){ products(category: $c, first: 8) { sku } }", {"c": cat["slug"]}
    )
    return cat["slug"], cat["name"], [p["sku"] for p in body["data"]["products"]]


def test_views_at_the_kiosk_change_the_next_picks(hub: HubHandle) -> None:
    anon = unique("visit-")
    profile = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", anon))["profile"]
    before = recs(hub, profile["id"])
    assert len(before) == 6 and not any(p["personal"] for p in before)
    assert {p["reason"] for p in before} == {"Popular with our shoppers right now"}

    _, name, skus = smallest_category(hub)
    track(
        hub,
        hub.kiosk_key,
        [view(unique("m"), "ANONYMOUS_ID", anon, sku, "KIOSK") for sku in skus[:3]],
    )
    after = recs(hub, profile["id"])
    assert len({p["product"]["sku"] for p in after}) == 6
    personal = [p for p in after if p["personal"]]
    assert len(personal) >= 3, after
    viewed_names = {p["name"] for p in products_named(hub, skus[:3])}
    assert any(
        any(n in p["reason"] for n in viewed_names) or name in p["reason"] for p in personal
    ), "the reasons name what drove the picks"
    assert not {p["product"]["sku"] for p in after} & set(skus[:3]), "no re-showing of views"
    assert Counter(p["product"]["category"]["slug"] for p in after).most_common(1)[0][1] <= 5
    assert all(len(p["recommendationId"]) >= 16 for p in after)


def test_dislike_and_withdrawn_consent(hub: HubHandle) -> None:
    anon = unique("visit-")
    profile = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", anon))["profile"]
    slug = recs(hub, profile["id"])[0]["product"]["category"]["slug"]  # popular picks hold it
    body = hub.gql("query($c:String!){ products(category: $c, first: 8) { sku } }", {"c": slug})
    skus = [p["sku"] for p in body["data"]["products"]]
    track(
        hub,
        hub.kiosk_key,
        [view(unique("m"), "ANONYMOUS_ID", anon, sku, "KIOSK") for sku in skus[:3]],
    )
    disliked = hub.gql(
        SET_PREFERENCES,
        {
            "id": profile["id"],
            "tp": "KIOSK",
            "prefs": [{"key": "category", "value": slug, "like": False}],
        },
        key=hub.kiosk_key,
    )
    assert disliked["data"]["setPreferences"]["userErrors"] == []
    assert all(p["product"]["category"]["slug"] != slug for p in recs(hub, profile["id"]))

    hub.gql(
        SET_CONSENT,
        {"id": profile["id"], "purpose": "PERSONALIZATION", "granted": False, "tp": "KIOSK"},
        key=hub.kiosk_key,
    )
    picks = recs(hub, profile["id"])
    assert picks and not any(p["personal"] for p in picks)
