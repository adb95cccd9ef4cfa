"""track: batches, idempotency, validation that stores nothing partial, learning."""

from __future__ import annotations

from tests.conftest import HubHandle, unique
from tests.hub.gql import PROFILE_BY_IDENTIFIER, SET_CONSENT, TRACK
from tests.hub.test_identity_e2e import identify, some_skus, track, view
from tests.hub.test_recommendations_e2e import smallest_category
from tests.hub.test_segments_e2e import purchase


def events_of(hub: HubHandle, kind: str, value: str) -> list[dict[str, object]] | None:
    body = hub.gql(PROFILE_BY_IDENTIFIER, {"kind": kind, "value": value})
    profile = body["data"]["profile"]
    return None if profile is None else profile["recentEvents"]


def test_replayed_batch_is_accepted_once(hub: HubHandle) -> None:
    anon = unique("anon-")
    skus = some_skus(hub)
    batch = [view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB") for sku in skus]
    assert track(hub, hub.web_key, batch)["accepted"] == 3
    replay = track(hub, hub.web_key, batch)
    assert replay == {"accepted": 0, "duplicates": 3, "userErrors": []}
    stored = events_of(hub, "ANONYMOUS_ID", anon)
    assert stored is not None and len(stored) == 3
    # Duplicates inside one batch count too.
    twice = [view("dup-" + anon, "ANONYMOUS_ID", anon, skus[0], "WEB")] * 2
    assert track(hub, hub.web_key, twice) == {"accepted": 1, "duplicates": 1, "userErrors": []}


def test_batch_over_the_limit_is_refused_whole(hub: HubHandle) -> None:
    anon = unique("anon-")
    batch = [view(unique("m"), "ANONYMOUS_ID", anon, "X", "WEB") for _ in range(1001)]
    result = track(hub, hub.web_key, batch)
    assert result["accepted"] == 0
    assert result["userErrors"][0]["code"] == "TOO_MANY"
    assert result["userErrors"][0]["field"] == ["events"]
    assert events_of(hub, "ANONYMOUS_ID", anon) is None


def test_one_bad_event_stores_nothing_and_names_the_field(hub: HubHandle) -> None:
    anon = unique("anon-")
    sku = some_skus(hub, 1)[0]
    batch = [
        view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB"),
        {
            "messageId": "",
            "identifier": {"kind": "EMAIL", "value": "not-an-email"},
            "type": "PURCHASE",
            "touchpoint": "WEB",
            "quantity": 10**7,
            "price": -3,
        },
        {**view("x" * 300, "ANONYMOUS_ID", anon, sku, "WEB"), "occurredAt": "2999-01-01T00:00:00Z"},
    ]
    result = track(hub, hub.web_key, batch)
    assert result["accepted"] == 0
    found = {(tuple(e["field"]), e["code"]) for e in result["userErrors"]}
    assert (("events", "1", "messageId"), "REQUIRED") in found
    assert (("events", "1", "identifier", "value"), "INVALID_EMAIL") in found
    assert (("events", "1", "productSku"), "REQUIRED") in found
    assert (("events", "1", "quantity"), "OUT_OF_RANGE") in found
    assert (("events", "1", "price"), "OUT_OF_RANGE") in found
    assert (("events", "2", "messageId"), "TOO_LONG") in found
    assert (("events", "2", "occurredAt"), "OUT_OF_RANGE") in found
    assert all(e["message"] for e in result["userErrors"])
    assert events_of(hub, "ANONYMOUS_ID", anon) is None, "nothing of the batch was stored"


def test_unknown_enum_is_a_clear_error_not_a_500(hub: HubHandle) -> None:
    response = hub.post(
        TRACK,
        {
            "events": [
                {
                    "messageId": "m",
                    "identifier": {"kind": "EMAIL", "value": "a@example.com"},
                    "type": "TELEPORT",
                    "touchpoint": "WEB",
                }
            ]
        },
    )
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert "TELEPORT" in errors[0]["message"]
    response = hub.post(
        'mutation { track(events: [{messageId: "m", identifier: {kind: FAX, '
        'value: "1"}, type: VIEW, touchpoint: WEB}]) { accepted } }'
    )
    assert response.status_code == 200 and "FAX" in response.json()["errors"][0]["message"]


def test_views_teach_interests_with_reasons(hub: HubHandle) -> None:
    anon = unique("anon-")
    sku = some_skus(hub, 1)[0]
    track(
        hub,
        hub.kiosk_key,
        [view(unique("m"), "ANONYMOUS_ID", anon, sku, "KIOSK") for _ in range(3)],
    )
    body = hub.gql(PROFILE_BY_IDENTIFIER, {"kind": "ANONYMOUS_ID", "value": anon})
    learned = {
        (p["key"], p["value"]): p
        for p in body["data"]["profile"]["preferences"]
        if p["source"] == "IMPLICIT"
    }
    product = learned[("product", sku)]
    assert product["touchpoint"] == "KIOSK"
    assert "viewed it 3 times" in product["reason"]
    assert 0 < product["weight"] < 1
    assert any(key == "category" for key, _ in learned)


def test_withdrawn_personalization_stops_learning(hub: HubHandle) -> None:
    anon = unique("anon-")
    sku = some_skus(hub, 1)[0]
    track(hub, hub.web_key, [view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB")])
    profile = hub.gql(PROFILE_BY_IDENTIFIER, {"kind": "ANONYMOUS_ID", "value": anon})
    pid = profile["data"]["profile"]["id"]
    before = {p["value"]: p["reason"] for p in profile["data"]["profile"]["preferences"]}
    withdrawn = hub.gql(
        SET_CONSENT,
        {"id": pid, "purpose": "PERSONALIZATION", "granted": False, "tp": "WEB"},
        key=hub.web_key,
    )
    assert withdrawn["data"]["setConsent"]["consent"]["granted"] is False
    track(hub, hub.web_key, [view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB")])
    after = hub.gql(PROFILE_BY_IDENTIFIER, {"kind": "ANONYMOUS_ID", "value": anon})
    assert {p["value"]: p["reason"] for p in after["data"]["profile"]["preferences"]} == before
    assert len(after["data"]["profile"]["recentEvents"]) == 2, "the event itself is kept"


def test_order_summary_totals_a_lifetime_and_stays_off_shared_screens(hub: HubHandle) -> None:
    _, _, skus = smallest_category(hub)
    loyalty = unique("ORD").upper()
    profile = identify(hub, hub.web_key, "WEB", ("LOYALTY_ID", loyalty))["profile"]
    lines = []
    for order, (sku, qty, price) in enumerate([(skus[0], 2, 5.0), (skus[1], 1, 12.5)]):
        for line in range(2):  # two lines per order: orders count invoices, not lines
            event = purchase(unique("o"), "LOYALTY_ID", loyalty, sku, price)
            event["quantity"] = qty
            event["properties"] = {"invoice": f"INV-{loyalty}-{order}", "line": line}
            lines.append(event)
    refund = purchase(unique("r"), "LOYALTY_ID", loyalty, skus[0], 5.0)
    refund.update(type="RETURN", quantity=2, properties={"invoice": f"C-{loyalty}"})
    assert track(hub, hub.web_key, [*lines, refund])["accepted"] == 5
    query = """query($id: ID!) { profile(id: $id) { orderSummary { orders purchaseLines units
      spent returns refunded net firstOrderAt lastReturnAt } } }"""
    summary = hub.gql(query, {"id": profile["id"]})["data"]["profile"]["orderSummary"]
    assert {k: summary[k] for k in ("orders", "purchaseLines", "units", "returns")} == {
        "orders": 2,
        "purchaseLines": 4,
        "units": 6,
        "returns": 1,
    }
    assert (summary["spent"], summary["refunded"], summary["net"]) == (45.0, 10.0, 35.0)
    assert summary["firstOrderAt"] and summary["lastReturnAt"]
    kiosk = hub.gql(query, {"id": profile["id"]}, key=hub.kiosk_key)["data"]["profile"]
    assert kiosk["orderSummary"] is None


def test_racing_batches_for_one_profile_all_land(hub: HubHandle) -> None:
    """Several sites sending batches for the same shopper at once: every batch is stored and
    learned from, none fails (PostgreSQL: each batch locks the profile for update in id order,
    so two writers never hold it shared and then both wait to update it)."""
    from concurrent.futures import ThreadPoolExecutor

    anon = unique("racer-")
    skus = some_skus(hub)
    track(hub, hub.web_key, [view(unique("m"), "ANONYMOUS_ID", anon, skus[0], "WEB")])
    batches = [
        [view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB") for sku in skus for _ in range(5)]
        for _ in range(6)
    ]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda batch: track(hub, hub.web_key, batch), batches))
    assert [r["userErrors"] for r in results] == [[]] * len(batches), results
    assert sum(r["accepted"] for r in results) == sum(len(b) for b in batches)


def test_a_new_visitor_follows_the_default_personalization_policy(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """A visitor the batch itself creates has no consent recorded: the default policy
    decides whether their first events teach anything (no lookup is made for them)."""
    from tests.conftest import start_hub, stop_hub

    url, keys = hub_database
    other = start_hub(url, keys, RAPPORT_CONSENT_DEFAULTS='{"PERSONALIZATION": false}')
    try:
        anon, known = unique("anon-"), unique("anon-")
        sku = some_skus(other, 1)[0]
        track(other, other.web_key, [view(unique("m"), "ANONYMOUS_ID", known, sku, "WEB")])
        pid = other.gql(PROFILE_BY_IDENTIFIER, {"kind": "ANONYMOUS_ID", "value": known})["data"][
            "profile"
        ]["id"]
        granted = other.gql(
            SET_CONSENT,
            {"id": pid, "purpose": "PERSONALIZATION", "granted": True, "tp": "WEB"},
            key=other.web_key,
        )
        assert granted["data"]["setConsent"]["consent"]["granted"] is True
        # One batch: a visitor it creates, and one who opted in meanwhile.
        track(
            other,
            other.web_key,
            [
                view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB"),
                view(unique("m"), "ANONYMOUS_ID", known, sku, "WEB"),
            ],
        )
        for value, learns in ((anon, False), (known, True)):
            body = other.gql(PROFILE_BY_IDENTIFIER, {"kind": "ANONYMOUS_ID", "value": value})
            profile = body["data"]["profile"]
            implicit = [p for p in profile["preferences"] if p["source"] == "IMPLICIT"]
            assert bool(implicit) is learns, (value, implicit)
            assert profile["recentEvents"], "the events themselves are kept"
    finally:
        stop_hub(other)
