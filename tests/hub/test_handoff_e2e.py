"""Handoff end to end: a web cart continued at the kiosk, a list sent to the shopper."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import HubHandle, drama_phone, unique
from tests.hub.test_identity_e2e import identify
from tests.hub.test_registry_e2e import skus

CREATE = """
mutation($id: ID!, $kind: HandoffKind!, $items: [ListItemInput!]!) {
  createHandoff(profileId: $id, kind: $kind, items: $items, touchpoint: WEB) {
    handoff { code kind expiresAt qrSvg items { sku quantity product { name } } }
    userErrors { field code message }
  }
}"""
CLAIM = """
mutation($code: String!, $visitor: IdentifierInput) {
  claimHandoff(code: $code, touchpoint: KIOSK, visitor: $visitor) {
    kind profileId firstName items { sku quantity product { name } }
    userErrors { field code message }
  }
}"""
SEND = """
mutation($id: ID!, $items: [ListItemInput!]!, $medium: ListMedium!) {
  sendList(profileId: $id, items: $items, medium: $medium, touchpoint: KIOSK) {
    sent medium maskedRecipient userErrors { field code message }
  }
}"""
MESSAGES = """query($id: ID!) { profile(id: $id) { messages(first: 10) { medium recipient subject
  body } } }"""
BY_ANON = """query($v: String!) { profile(identifier: {kind: ANONYMOUS_ID, value: $v}) { id } }"""


def web_shopper(hub: HubHandle, **contacts: str) -> str:
    idents = [("LOYALTY_ID", f"HAND-{unique()}".upper())] + [
        (kind, value) for kind, value in contacts.items()
    ]
    profile = identify(hub, hub.web_key, "WEB", *idents, firstName="Maya", lastName="Handoffson")
    pid: str = profile["profile"]["id"]
    return pid


def handoff(hub: HubHandle, pid: str, items: list[dict[str, Any]], kind: str = "CART") -> Any:
    body = hub.gql(CREATE, {"id": pid, "kind": kind, "items": items}, key=hub.web_key)
    assert "errors" not in body, body
    return body["data"]["createHandoff"]


def test_a_web_cart_continues_at_the_kiosk_once(hub: HubHandle) -> None:
    a, b = skus(hub, 2)
    pid = web_shopper(hub, EMAIL=f"{unique()}@example.com")
    made = handoff(hub, pid, [{"sku": a, "quantity": 2}, {"sku": b}])
    assert made["userErrors"] == []
    code = made["handoff"]["code"]
    assert re.fullmatch(r"[2-9A-HJKMNP-TW-Z]{3}-[2-9A-HJKMNP-TW-Z]{3}", code), code
    assert made["handoff"]["qrSvg"].startswith("<svg") and "<script" not in made["handoff"]["qrSvg"]
    expires = datetime.fromisoformat(made["handoff"]["expiresAt"])
    assert timedelta(minutes=20) < expires - datetime.now(UTC) <= timedelta(minutes=31)

    visit = unique("kiosk-")
    claimed = hub.gql(
        CLAIM,
        {
            "code": code.lower().replace("-", " "),
            "visitor": {"kind": "ANONYMOUS_ID", "value": visit},
        },
        key=hub.kiosk_key,
    )["data"]["claimHandoff"]
    assert claimed["userErrors"] == []
    assert claimed["profileId"] == pid and claimed["firstName"] == "Maya"
    assert claimed["kind"] == "CART"
    assert [(i["sku"], i["quantity"]) for i in claimed["items"]] == [(a, 2), (b, 1)]
    assert "Handoffson" not in str(claimed) and "@" not in str(claimed)
    # From now on what this kiosk visit looks at is the shopper's own.
    assert hub.gql(BY_ANON, {"v": visit})["data"]["profile"]["id"] == pid

    again = hub.gql(CLAIM, {"code": code}, key=hub.kiosk_key)["data"]["claimHandoff"]
    assert again["userErrors"][0]["code"] == "CONFLICT" and again["profileId"] is None


def test_unknown_codes_and_foreign_identifiers_are_refused(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    pid = web_shopper(hub)
    code = handoff(hub, pid, [{"sku": a}], kind="WISHLIST")["handoff"]["code"]
    unknown = hub.gql(CLAIM, {"code": "ZZZ-ZZZ"}, key=hub.kiosk_key)["data"]["claimHandoff"]
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND" and unknown["items"] == []
    someone = {"kind": "EMAIL", "value": f"{unique()}@example.com"}
    joined = hub.gql(CLAIM, {"code": code, "visitor": someone}, key=hub.kiosk_key)
    assert joined["data"]["claimHandoff"]["userErrors"][0]["field"] == ["visitor", "kind"]
    # The refused claim did not use the code up.
    ok = hub.gql(CLAIM, {"code": code}, key=hub.kiosk_key)["data"]["claimHandoff"]
    assert ok["userErrors"] == [] and ok["kind"] == "WISHLIST"


def test_handoff_input_and_reach(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    pid = web_shopper(hub)
    bad = handoff(hub, pid, [{"sku": "NOPE"}, {"sku": a, "quantity": 500}])
    assert {(tuple(e["field"]), e["code"]) for e in bad["userErrors"]} == {
        (("items", "0", "sku"), "NOT_FOUND"),
        (("items", "1", "quantity"), "OUT_OF_RANGE"),
    }
    assert handoff(hub, pid, [])["userErrors"][0]["code"] == "REQUIRED"
    # A web key reaches only customers it named; the kiosk's own shopper is not one of them.
    other = identify(hub, hub.kiosk_key, "KIOSK", ("LOYALTY_ID", f"HK-{unique()}".upper()))
    refused = handoff(hub, other["profile"]["id"], [{"sku": a}])
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    denied = hub.gql(CLAIM, {"code": "ABC-DEF"}, key=hub.callcenter_key)
    assert denied["data"]["claimHandoff"]["userErrors"][0]["code"] == "FORBIDDEN"


def test_a_list_goes_to_the_shoppers_own_email_through_the_outbox(hub: HubHandle) -> None:
    a, b = skus(hub, 2)
    email = f"{unique()}@example.com"
    pid = web_shopper(hub, EMAIL=email)
    sent = hub.gql(
        SEND,
        {"id": pid, "items": [{"sku": a, "quantity": 2}, {"sku": b}], "medium": "EMAIL"},
        key=hub.kiosk_key,
    )["data"]["sendList"]
    assert sent["userErrors"] == [] and sent["sent"] and sent["medium"] == "EMAIL"
    assert sent["maskedRecipient"] != email and sent["maskedRecipient"].endswith("@example.com")
    assert "***" in sent["maskedRecipient"]
    messages = hub.gql(MESSAGES, {"id": pid})["data"]["profile"]["messages"]
    assert messages[0]["recipient"] == email and messages[0]["medium"] == "EMAIL"
    assert "2 × " in messages[0]["body"] and a in messages[0]["body"] and b in messages[0]["body"]

    no_phone = hub.gql(
        SEND, {"id": pid, "items": [{"sku": a}], "medium": "SMS"}, key=hub.kiosk_key
    )["data"]["sendList"]
    assert not no_phone["sent"] and no_phone["userErrors"][0]["field"] == ["medium"]

    for _ in range(4):
        hub.gql(SEND, {"id": pid, "items": [{"sku": a}], "medium": "EMAIL"}, key=hub.kiosk_key)
    flood = hub.gql(SEND, {"id": pid, "items": [{"sku": a}], "medium": "EMAIL"}, key=hub.kiosk_key)[
        "data"
    ]["sendList"]
    assert flood["userErrors"][0]["code"] == "TOO_MANY"


def test_a_list_goes_by_sms_to_a_phone_on_file(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    pid = web_shopper(hub, PHONE=drama_phone())
    sent = hub.gql(SEND, {"id": pid, "items": [{"sku": a}], "medium": "SMS"}, key=hub.kiosk_key)[
        "data"
    ]["sendList"]
    assert sent["sent"] and sent["maskedRecipient"].startswith("***"), sent
    assert hub.gql(MESSAGES, {"id": pid})["data"]["profile"]["messages"][0]["medium"] == "SMS"


def test_an_anonymous_visitor_cannot_be_sent_anything(hub: HubHandle) -> None:
    (a,) = skus(hub, 1)
    visitor = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", unique("kiosk-")))
    pid = visitor["profile"]["id"]
    for medium in ("EMAIL", "SMS"):
        refused = hub.gql(
            SEND, {"id": pid, "items": [{"sku": a}], "medium": medium}, key=hub.kiosk_key
        )["data"]["sendList"]
        assert not refused["sent"] and refused["userErrors"][0]["code"] == "INVALID"
    assert hub.gql(MESSAGES, {"id": pid})["data"]["profile"]["messages"] == []


def test_a_code_claimed_at_many_kiosks_at_once_is_claimed_once(hub: HubHandle) -> None:
    """Once holds for claims at once too: one kiosk visit joins the shopper, the others are
    told the code was used (eight claims at once used to succeed several times, each visit
    then joining the shopper's profile)."""
    (a,) = skus(hub, 1)
    pid = web_shopper(hub)
    code = handoff(hub, pid, [{"sku": a}])["handoff"]["code"]
    barrier = threading.Barrier(8)

    def claim(n: int) -> tuple[str, dict[str, Any]]:
        visit = unique(f"kiosk{n}-")
        barrier.wait()
        answer = hub.gql(
            CLAIM,
            {"code": code, "visitor": {"kind": "ANONYMOUS_ID", "value": visit}},
            key=hub.kiosk_key,
        )
        return visit, answer["data"]["claimHandoff"]

    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(claim, range(8)))
    won = [visit for visit, c in claims if not c["userErrors"]]
    assert len(won) == 1, claims
    assert all(c["userErrors"][0]["code"] == "CONFLICT" for _, c in claims if c["userErrors"])
    joined = [
        v
        for v, _ in claims
        if (hub.gql(BY_ANON, {"v": v})["data"]["profile"] or {}).get("id") == pid
    ]
    assert joined == won
