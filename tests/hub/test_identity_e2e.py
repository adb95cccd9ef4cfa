"""Identity resolution over the real API: three touchpoints, one customer."""

from __future__ import annotations

from typing import Any

from tests.conftest import HubHandle, unique
from tests.hub.gql import (
    IDENTIFY,
    PROFILE_BY_ID,
    PROFILE_BY_IDENTIFIER,
    SET_CONSENT,
    SET_PREFERENCES,
    TRACK,
)


def identify(
    hub: HubHandle, key: str, touchpoint: str, *identifiers: tuple[str, str], **traits: str
) -> dict[str, Any]:
    body = hub.gql(
        IDENTIFY,
        {
            "input": {
                "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
                "touchpoint": touchpoint,
                **({"traits": traits} if traits else {}),
            }
        },
        key=key,
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["identify"]
    return payload


def track(hub: HubHandle, key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    body = hub.gql(TRACK, {"events": events}, key=key)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["track"]
    return payload


def view(message_id: str, kind: str, value: str, sku: str, touchpoint: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "identifier": {"kind": kind, "value": value},
        "type": "VIEW",
        "touchpoint": touchpoint,
        "productSku": sku,
    }


def some_skus(hub: HubHandle, n: int = 3) -> list[str]:
    body = hub.gql("{ products(first: 40) { sku } }")
    return [p["sku"] for p in body["data"]["products"]][:n]


def test_three_touchpoints_end_in_one_profile(hub: HubHandle) -> None:
    tag = unique()
    loyalty, email = f"L{tag}".upper(), f"{tag}@example.com"
    phone = "+4477009" + str(abs(hash(tag)) % 100000).zfill(5)
    agent = hub.agent_token()
    sku_kiosk, sku_web, _ = some_skus(hub)

    kiosk = identify(hub, hub.kiosk_key, "KIOSK", ("LOYALTY_ID", loyalty), ("EMAIL", email))
    call = identify(hub, agent, "CALL_CENTER", ("PHONE", phone), firstName="Ruth", lastName="Ng")
    assert kiosk["profile"]["id"] != call["profile"]["id"]
    assert not kiosk["merged"] and not call["merged"]

    # Each touchpoint records something of its own before the customer is joined up.
    track(hub, hub.kiosk_key, [view(unique("m"), "LOYALTY_ID", loyalty, sku_kiosk, "KIOSK")])
    prefs = hub.gql(
        SET_PREFERENCES,
        {
            "id": call["profile"]["id"],
            "tp": "CALL_CENTER",
            "prefs": [{"key": "occasion", "value": "birthday"}],
        },
        key=agent,
    )
    assert prefs["data"]["setPreferences"]["userErrors"] == []
    consent = hub.gql(
        SET_CONSENT,
        {
            "id": kiosk["profile"]["id"],
            "purpose": "MARKETING_EMAIL",
            "granted": True,
            "tp": "KIOSK",
        },
        key=hub.kiosk_key,
    )
    assert consent["data"]["setConsent"]["userErrors"] == []

    web = identify(hub, hub.web_key, "WEB", ("EMAIL", email.upper()), ("PHONE", phone))
    assert web["merged"] is True
    track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, sku_web, "WEB")])

    survivor = web["profile"]["id"]
    body = hub.gql(PROFILE_BY_ID, {"id": survivor})
    profile = body["data"]["profile"]
    kinds = {(i["kind"], i["value"]) for i in profile["identifiers"]}
    assert {("LOYALTY_ID", loyalty), ("EMAIL", email), ("PHONE", phone)} <= kinds
    assert profile["firstName"] == "Ruth"
    touchpoints = {e["touchpoint"] for e in profile["recentEvents"]}
    assert {"KIOSK", "WEB"} <= touchpoints
    assert any(
        p["value"] == "birthday" and p["source"] == "EXPLICIT" for p in profile["preferences"]
    )
    marketing = next(c for c in profile["consents"] if c["purpose"] == "MARKETING_EMAIL")
    assert marketing["granted"] is True and marketing["touchpoint"] == "KIOSK"

    # Every identifier, and both old profile ids, now lead to the one profile.
    for kind, value in (
        ("LOYALTY_ID", loyalty.lower()),
        ("PHONE", "07700 9" + phone[-5:] if phone.startswith("+4477009") else phone),
        ("EMAIL", email),
    ):
        found = hub.gql(PROFILE_BY_IDENTIFIER, {"kind": kind, "value": value})
        assert found["data"]["profile"]["id"] == survivor
    for old in (kiosk["profile"]["id"], call["profile"]["id"]):
        assert hub.gql(PROFILE_BY_ID, {"id": old})["data"]["profile"]["id"] == survivor


def test_anonymous_device_events_carry_over_on_identification(hub: HubHandle) -> None:
    anon, email = unique("anon-"), f"{unique()}@example.com"
    skus = some_skus(hub)
    result = track(
        hub, hub.web_key, [view(unique("m"), "ANONYMOUS_ID", anon, s, "WEB") for s in skus]
    )
    assert result == {"accepted": 3, "duplicates": 0, "userErrors": []}
    anonymous = hub.gql(PROFILE_BY_IDENTIFIER, {"kind": "ANONYMOUS_ID", "value": anon})
    assert anonymous["data"]["profile"]["isKnown"] is False

    known = identify(hub, hub.web_key, "WEB", ("EMAIL", email), firstName="Ola")
    assert known["created"]
    joined = identify(hub, hub.web_key, "WEB", ("EMAIL", email), ("ANONYMOUS_ID", anon))
    assert joined["merged"] is True
    assert joined["profile"]["id"] == known["profile"]["id"], "the known profile survives"
    viewed = {e["productSku"] for e in joined["profile"]["recentEvents"]}
    assert set(skus) <= viewed
    learned = [p for p in joined["profile"]["preferences"] if p["source"] == "IMPLICIT"]
    assert learned, "interests learned while anonymous move with the events"


def test_shared_device_never_joins_two_known_customers(hub: HubHandle) -> None:
    device = unique("kiosk-screen-")
    first_email, second_email = f"{unique()}@example.com", f"{unique()}@example.com"
    first = identify(hub, hub.kiosk_key, "KIOSK", ("EMAIL", first_email), ("DEVICE_ID", device))
    second = identify(hub, hub.kiosk_key, "KIOSK", ("EMAIL", second_email), ("DEVICE_ID", device))
    assert second["merged"] is False
    assert second["conflicts"] == 1
    assert second["profile"]["id"] != first["profile"]["id"]
    third = identify(hub, hub.kiosk_key, "KIOSK", ("EMAIL", second_email), ("DEVICE_ID", device))
    assert third["profile"]["id"] == second["profile"]["id"]

    again = hub.gql(PROFILE_BY_ID, {"id": first["profile"]["id"]})["data"]["profile"]
    assert [i for i in again["identifiers"] if i["kind"] == "EMAIL"] == [
        {"kind": "EMAIL", "value": "*" * 0 + first_email, "masked": False}
    ]
    other = hub.gql(PROFILE_BY_ID, {"id": second["profile"]["id"]})["data"]["profile"]
    assert all(i["kind"] != "DEVICE_ID" for i in other["identifiers"])


def test_device_alone_with_two_known_owners_merges_nothing(hub: HubHandle) -> None:
    device, anon = unique("dev-"), unique("anon-")
    a = identify(
        hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"), ("DEVICE_ID", device)
    )
    b = identify(
        hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"), ("ANONYMOUS_ID", anon)
    )
    both = identify(hub, hub.web_key, "WEB", ("DEVICE_ID", device), ("ANONYMOUS_ID", anon))
    assert both["merged"] is False and both["conflicts"] == 1
    assert (
        hub.gql(PROFILE_BY_ID, {"id": b["profile"]["id"]})["data"]["profile"]["id"]
        == b["profile"]["id"]
    )
    assert both["profile"]["id"] == a["profile"]["id"]


def test_identifiers_are_normalised_before_matching(hub: HubHandle) -> None:
    tag = unique()
    first = identify(
        hub, hub.web_key, "WEB", ("EMAIL", f"  {tag}@EXAMPLE.com "), ("LOYALTY_ID", f" ab-{tag} ")
    )
    values = {i["kind"]: i["value"] for i in first["profile"]["identifiers"]}
    assert values == {"EMAIL": f"{tag}@example.com", "LOYALTY_ID": f"AB-{tag.upper()}"}
    again = identify(hub, hub.web_key, "WEB", ("LOYALTY_ID", f"AB-{tag}"))
    assert again["profile"]["id"] == first["profile"]["id"] and not again["created"]
