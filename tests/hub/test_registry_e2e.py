"""Gift registries end to end: create, look up by code or name, buy from them."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from tests.conftest import HubHandle, unique
from tests.hub.test_identity_e2e import identify

CREATE = """
mutation($id: ID!, $input: GiftRegistryInput!, $tp: Touchpoint!) {
  createGiftRegistry(profileId: $id, input: $input, touchpoint: $tp) {
    giftRegistry { code title occasion eventDate ownerFirstName remaining
      items { sku wanted bought remaining product { sku name } } }
    userErrors { field code message }
  }
}"""
BY_CODE = """query($code: String!) { giftRegistry(code: $code) { code title occasion eventDate
  ownerFirstName remaining items { sku wanted bought remaining product { name } } } }"""
SEARCH = """query($s: String!) { giftRegistries(search: $s) { code title occasion eventDate
  ownerFirstName } }"""
BUY = """
mutation($code: String!, $sku: String!, $q: Int!, $buyer: IdentifierInput, $mid: String) {
  buyFromGiftRegistry(code: $code, sku: $sku, quantity: $q, touchpoint: KIOSK, buyer: $buyer,
                      messageId: $mid) {
    duplicate item { sku wanted bought remaining } giftRegistry { code remaining }
    userErrors { field code message }
  }
}"""
EVENTS = """query($id: ID!) { profile(id: $id) { version recentEvents(first: 20) {
  type productSku quantity messageId properties } } }"""
ERASE = "mutation($id: ID!) { eraseProfile(profileId: $id) { userErrors { code } } }"


def skus(hub: HubHandle, count: int) -> list[str]:
    body = hub.gql("query($n: Int!) { products(first: $n) { sku } }", {"n": count})
    return [p["sku"] for p in body["data"]["products"]]


def couple(hub: HubHandle, key: str | None = None) -> tuple[str, str]:
    """A known customer with a distinctive surname; returns (profile id, surname)."""
    surname = "Regtest" + unique("")[:8].capitalize()
    profile = identify(
        hub,
        key or hub.kiosk_key,
        "KIOSK",
        ("LOYALTY_ID", f"REG-{unique()}".upper()),
        ("EMAIL", f"{unique()}@example.com"),
        firstName="Anna",
        lastName=surname,
    )["profile"]
    return profile["id"], surname


def create(
    hub: HubHandle,
    profile_id: str,
    items: list[dict[str, Any]],
    key: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    wanted = {
        "title": "Anna & Tom's wedding",
        "occasion": "Wedding",
        "eventDate": (date.today() + timedelta(days=90)).isoformat(),
        "items": items,
        **extra,
    }
    body = hub.gql(CREATE, {"id": profile_id, "input": wanted, "tp": "KIOSK"}, key=key)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createGiftRegistry"]
    return payload


def registry(hub: HubHandle, items: list[dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
    pid, surname = couple(hub)
    made = create(hub, pid, items, key=hub.kiosk_key)
    assert made["userErrors"] == [], made
    return pid, surname, made["giftRegistry"]


def test_create_gives_a_short_code_and_guests_see_first_name_and_items(hub: HubHandle) -> None:
    a, b = skus(hub, 2)
    pid, surname, made = registry(
        hub, [{"sku": a, "quantity": 2}, {"sku": b}, {"sku": a, "quantity": 1}]
    )
    assert re.fullmatch(r"RAP-[2-9A-HJKMNP-TW-Z]{4}", made["code"]), made["code"]
    assert made["occasion"] == "wedding"
    assert [(i["sku"], i["wanted"], i["bought"]) for i in made["items"]] == [(a, 3, 0), (b, 1, 0)]
    assert made["remaining"] == 4

    typed = made["code"].lower().replace("-", " ")
    for key in (hub.web_key, hub.kiosk_key):
        seen = hub.gql(BY_CODE, {"code": typed}, key=key)["data"]["giftRegistry"]
        assert seen["code"] == made["code"] and seen["ownerFirstName"] == "Anna"
        assert seen["items"][0]["product"]["name"]
        assert surname not in str(seen) and "@" not in str(seen)
    assert hub.gql(BY_CODE, {"code": "RAP-2222"})["data"]["giftRegistry"] in (None, {})

    version = hub.gql(EVENTS, {"id": pid})["data"]["profile"]["version"]
    assert version > 1


def test_search_by_surname_shows_first_names_and_titles_only(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    _, surname, made = registry(hub, [{"sku": a}])
    found = hub.gql(SEARCH, {"s": surname.lower()}, key=hub.kiosk_key)["data"]["giftRegistries"]
    assert [f["code"] for f in found] == [made["code"]]
    assert found[0]["ownerFirstName"] == "Anna" and found[0]["title"] == "Anna & Tom's wedding"
    assert surname not in str(found)
    # The match type has no room for a surname or contact data at all.
    fields = hub.gql('{ __type(name: "GiftRegistryMatch") { fields { name } } }')
    names = {f["name"] for f in fields["data"]["__type"]["fields"]}
    assert names == {"code", "title", "occasion", "eventDate", "ownerFirstName"}
    short = hub.gql(SEARCH, {"s": "a"}, key=hub.kiosk_key)
    assert short["errors"][0]["extensions"]["code"] == "INVALID"


def test_only_owner_facing_channels_create(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    pid, _ = couple(hub)
    for key in (hub.callcenter_key,):
        refused = create(hub, pid, [{"sku": a}], key=key)
        assert refused["userErrors"][0]["code"] == "FORBIDDEN" and not refused["giftRegistry"]
    agent = create(hub, pid, [{"sku": a}], key=hub.agent_token())
    assert agent["userErrors"] == [] and agent["giftRegistry"]["code"]
    # A web site's key reaches only customers it has named itself.
    stranger = create(hub, pid, [{"sku": a}], key=hub.web_key)
    assert stranger["userErrors"][0]["code"] == "FORBIDDEN"
    own, _ = couple(hub, key=hub.web_key)
    assert create(hub, own, [{"sku": a}], key=hub.web_key)["userErrors"] == []
    search = hub.gql(SEARCH, {"s": "anna"}, key=hub.callcenter_key)
    assert search["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_bad_input_is_refused_field_by_field(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    pid, _ = couple(hub)
    bad = create(
        hub,
        pid,
        [{"sku": "NO-SUCH-SKU"}, {"sku": a, "quantity": 0}],
        title="  ",
        eventDate=(date.today() - timedelta(days=1)).isoformat(),
    )
    assert bad["giftRegistry"] is None
    got = {(tuple(e["field"]), e["code"]) for e in bad["userErrors"]}
    assert got == {
        (("input", "title"), "REQUIRED"),
        (("input", "eventDate"), "OUT_OF_RANGE"),
        (("input", "items", "0", "sku"), "NOT_FOUND"),
        (("input", "items", "1", "quantity"), "OUT_OF_RANGE"),
    }
    visitor = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", unique("anon-")))["profile"]
    anon = create(hub, visitor["id"], [{"sku": a}])
    assert anon["userErrors"][0]["field"] == ["profileId"]


def test_buying_counts_down_records_the_purchase_and_never_over_buys(hub: HubHandle) -> None:
    a, b = skus(hub, 2)
    owner, _, made = registry(hub, [{"sku": a, "quantity": 2}, {"sku": b}])
    code = made["code"]
    guest = f"GUEST-{unique()}".upper()
    buyer = {"kind": "LOYALTY_ID", "value": guest}
    before = hub.gql(EVENTS, {"id": owner})["data"]["profile"]["version"]
    mid = unique("gift-")
    first = hub.gql(
        BUY, {"code": code, "sku": a, "q": 1, "buyer": buyer, "mid": mid}, key=hub.kiosk_key
    )["data"]["buyFromGiftRegistry"]
    assert first["userErrors"] == [] and not first["duplicate"]
    assert first["item"] == {"sku": a, "wanted": 2, "bought": 1, "remaining": 1}
    assert first["giftRegistry"]["remaining"] == 2

    again = hub.gql(
        BUY, {"code": code, "sku": a, "q": 1, "buyer": buyer, "mid": mid}, key=hub.kiosk_key
    )["data"]["buyFromGiftRegistry"]
    assert again["duplicate"] and again["item"]["bought"] == 1, "a retried buy counts once"

    guest_profile = hub.gql(
        "query($v: String!) { profile(identifier: {kind: LOYALTY_ID, value: $v}) { id } }",
        {"v": guest},
    )["data"]["profile"]["id"]
    bought = hub.gql(EVENTS, {"id": guest_profile})["data"]["profile"]["recentEvents"]
    purchases = [e for e in bought if e["type"] == "PURCHASE"]
    assert len(purchases) == 1 and purchases[0]["messageId"] == mid
    assert purchases[0]["properties"]["registryCode"] == code and purchases[0]["productSku"] == a
    assert hub.gql(EVENTS, {"id": owner})["data"]["profile"]["version"] > before

    over = hub.gql(BUY, {"code": code, "sku": a, "q": 2}, key=hub.kiosk_key)
    problem = over["data"]["buyFromGiftRegistry"]["userErrors"][0]
    assert problem["code"] == "CONFLICT" and problem["field"] == ["quantity"], problem
    assert "1" in problem["message"]
    left = hub.gql(BY_CODE, {"code": code})["data"]["giftRegistry"]
    assert [i["remaining"] for i in left["items"]] == [1, 1]

    missing = hub.gql(BUY, {"code": code, "sku": "NOPE", "q": 1}, key=hub.kiosk_key)
    assert missing["data"]["buyFromGiftRegistry"]["userErrors"][0]["field"] == ["sku"]
    unknown = hub.gql(BUY, {"code": "RAP-2222", "sku": a, "q": 1}, key=hub.kiosk_key)
    assert unknown["data"]["buyFromGiftRegistry"]["userErrors"][0]["code"] == "NOT_FOUND"


def test_guests_racing_for_the_last_ones_never_over_buy(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    _, _, made = registry(hub, [{"sku": a, "quantity": 3}])

    def buy(_: int) -> dict[str, Any]:
        body = hub.gql(BUY, {"code": made["code"], "sku": a, "q": 1}, key=hub.kiosk_key)
        payload: dict[str, Any] = body["data"]["buyFromGiftRegistry"]
        return payload

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(buy, range(8)))
    assert sum(1 for r in results if not r["userErrors"]) == 3
    assert all(r["userErrors"][0]["code"] == "CONFLICT" for r in results if r["userErrors"])
    final = hub.gql(BY_CODE, {"code": made["code"]})["data"]["giftRegistry"]
    assert final["items"][0]["bought"] == 3 and final["remaining"] == 0


def test_an_erased_owners_registry_is_no_longer_found(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    owner, surname, made = registry(hub, [{"sku": a}])
    assert hub.gql(ERASE, {"id": owner})["data"]["eraseProfile"]["userErrors"] == []
    assert hub.gql(BY_CODE, {"code": made["code"]})["data"]["giftRegistry"] is None
    assert hub.gql(SEARCH, {"s": surname}, key=hub.kiosk_key)["data"]["giftRegistries"] == []


OWNED = "query($id: ID!) { profile(id: $id) { giftRegistries { code remaining } } }"
LINK = """mutation($ids: [ID!]!) { linkProfiles(profileIds: $ids) { profile { id }
  merges { id mergedId } userErrors { code } } }"""
SPLIT = "mutation($m: ID!) { splitProfile(mergeId: $m) { userErrors { code message } } }"


def codes(hub: HubHandle, profile_id: str) -> list[str]:
    body = hub.gql(OWNED, {"id": profile_id})
    return [r["code"] for r in body["data"]["profile"]["giftRegistries"]]


def test_a_registry_follows_its_owner_through_a_merge_and_back_on_a_split(hub: HubHandle) -> None:
    # The older profile survives a link, so the owner is the newer one: the registry must move.
    other, _ = couple(hub)
    owner, _ = couple(hub)
    code = create(hub, owner, [{"sku": skus(hub, 1)[0], "quantity": 2}])["giftRegistry"]["code"]
    assert codes(hub, owner) == [code] and codes(hub, other) == []

    agent = hub.agent_token()
    linked = hub.gql(LINK, {"ids": [other, owner]}, key=agent)["data"]["linkProfiles"]
    assert linked["userErrors"] == [], linked
    assert linked["profile"]["id"] == other
    assert codes(hub, other) == [code]
    # Guests still find it by its code, with the surviving owner's first name.
    assert hub.gql(BY_CODE, {"code": code})["data"]["giftRegistry"]["ownerFirstName"] == "Anna"

    merge = next(m for m in linked["merges"] if m["mergedId"] == owner)
    split = hub.gql(SPLIT, {"m": merge["id"]}, key=agent)["data"]["splitProfile"]
    assert split["userErrors"] == [], split
    assert codes(hub, owner) == [code] and codes(hub, other) == []
