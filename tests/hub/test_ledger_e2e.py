"""The shopper's ledger keys and the audit log."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import HubHandle, start_hub, stop_hub, unique
from tests.hub.gql import PROFILE_BY_ID, SET_PREFERENCES
from tests.hub.test_identity_e2e import identify

REQUEST = """mutation($i: IdentifierInput!) { requestSelfServiceCode(identifier: $i) {
  sent medium maskedRecipient userErrors { field code message } } }"""
REDEEM = """mutation($i: IdentifierInput!, $c: String!) { redeemSelfServiceCode(identifier: $i,
  code: $c) { token profileId expiresAt userErrors { field code message } } }"""
MESSAGES = "query($id: ID!) { profile(id: $id) { messages(first: 5) { body recipient } } }"
AUDIT = """query($id: ID!) { auditLog(profileId: $id, first: 100) { actor channel action detail
  at } }"""


def latest_code(hub: HubHandle, profile_id: str) -> str:
    body = hub.gql(MESSAGES, {"id": profile_id})
    match = re.search(r"\b(\d{6})\b", body["data"]["profile"]["messages"][0]["body"])
    assert match, body
    return match.group(1)


def test_a_code_redeemed_many_times_at_once_gives_one_token(hub: HubHandle) -> None:
    """ "It works once" holds for concurrent tries too: the code is claimed by one statement
    that finds it unused, not marked used after it was read unused (eight tries at once of the
    right code gave up to eight tokens before)."""
    pid, ident = shopper(hub)
    hub.gql(REQUEST, {"i": ident}, key=hub.kiosk_key)
    code = latest_code(hub, pid)
    barrier = threading.Barrier(8)

    def redeem(_: int) -> dict[str, Any]:
        barrier.wait()
        answer: dict[str, Any] = hub.gql(REDEEM, {"i": ident, "c": code}, key=hub.kiosk_key)
        return answer["data"]["redeemSelfServiceCode"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(redeem, range(8)))
    tokens = [a["token"] for a in answers if a["token"]]
    assert len(tokens) == 1, answers
    assert all(a["userErrors"][0]["code"] == "INVALID" for a in answers if not a["token"])


def test_codes_asked_for_many_times_at_once_are_sent_at_most_three_times(hub: HubHandle) -> None:
    """The limit of three codes in a quarter of an hour holds for requests at once too (a
    script asking a dozen times at once sent a dozen messages to the customer before)."""
    pid, ident = shopper(hub)
    barrier = threading.Barrier(12)

    def ask(_: int) -> dict[str, Any]:
        barrier.wait()
        answer: dict[str, Any] = hub.gql(REQUEST, {"i": ident}, key=hub.kiosk_key)
        return answer["data"]["requestSelfServiceCode"]

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(ask, range(12)))
    assert len([a for a in answers if a["sent"]]) == 3, answers
    assert all(a["userErrors"][0]["code"] == "TOO_MANY" for a in answers if not a["sent"])
    messages = hub.gql(
        "query($id: ID!) { profile(id: $id) { messages(first: 20) { body } } }", {"id": pid}
    )
    assert len(messages["data"]["profile"]["messages"]) == 3


def shopper(hub: HubHandle) -> tuple[str, dict[str, str]]:
    loyalty = f"LEDGER-{unique()}".upper()
    # Created by the web site's server (trusted), as a signed-in customer would be.
    profile = identify(
        hub, hub.web_key, "WEB", ("LOYALTY_ID", loyalty), ("EMAIL", f"{unique()}@example.com")
    )["profile"]
    return profile["id"], {"kind": "LOYALTY_ID", "value": loyalty}


def test_code_opens_only_the_shoppers_own_profile(hub: HubHandle) -> None:
    pid, ident = shopper(hub)
    other, _ = shopper(hub)
    sent = hub.gql(REQUEST, {"i": ident}, key=hub.kiosk_key)["data"]["requestSelfServiceCode"]
    assert (
        sent["sent"] and sent["medium"] == "EMAIL" and "***@example.com" in sent["maskedRecipient"]
    )
    code = latest_code(hub, pid)
    wrong = "000000" if code != "000000" else "111111"
    bad = hub.gql(REDEEM, {"i": ident, "c": wrong}, key=hub.kiosk_key)
    assert bad["data"]["redeemSelfServiceCode"]["token"] is None
    assert bad["data"]["redeemSelfServiceCode"]["userErrors"][0]["code"] == "INVALID"
    ok = hub.gql(REDEEM, {"i": ident, "c": code}, key=hub.kiosk_key)["data"][
        "redeemSelfServiceCode"
    ]
    assert ok["profileId"] == pid and ok["token"]
    token = ok["token"]
    again = hub.gql(REDEEM, {"i": ident, "c": code}, key=hub.kiosk_key)
    assert again["data"]["redeemSelfServiceCode"]["token"] is None, "a code works once"

    mine = hub.gql(PROFILE_BY_ID, {"id": pid}, key=token)["data"]["profile"]
    assert mine["id"] == pid
    assert all("***" in i["value"] for i in mine["identifiers"] if i["kind"] == "EMAIL"), (
        "redeemed at a kiosk: still masked on the shared screen"
    )
    theirs = hub.gql(PROFILE_BY_ID, {"id": other}, key=token)
    assert theirs["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    write = hub.gql(
        SET_PREFERENCES,
        {"id": other, "tp": "KIOSK", "prefs": [{"key": "theme", "value": "vintage"}]},
        key=token,
    )
    assert write["data"]["setPreferences"]["userErrors"][0]["code"] == "FORBIDDEN"
    own = hub.gql(
        SET_PREFERENCES,
        {"id": pid, "tp": "KIOSK", "prefs": [{"key": "theme", "value": "vintage"}]},
        key=token,
    )
    assert own["data"]["setPreferences"]["userErrors"] == []
    search = hub.gql('{ searchProfiles(text: "a") { id } }', key=token)
    assert search["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_too_many_wrong_codes_lock_the_code(hub: HubHandle) -> None:
    pid, ident = shopper(hub)
    hub.gql(REQUEST, {"i": ident}, key=hub.web_key)
    code = latest_code(hub, pid)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        hub.gql(REDEEM, {"i": ident, "c": wrong}, key=hub.web_key)
    locked = hub.gql(REDEEM, {"i": ident, "c": code}, key=hub.web_key)
    assert locked["data"]["redeemSelfServiceCode"]["token"] is None
    unknown = hub.gql(REQUEST, {"i": {"kind": "LOYALTY_ID", "value": "NOBODY-1"}}, key=hub.web_key)
    assert unknown["data"]["requestSelfServiceCode"]["userErrors"][0]["code"] == "NOT_FOUND"


def test_every_agent_read_is_one_audit_row_and_writes_are_recorded(hub: HubHandle) -> None:
    pid, _ = shopper(hub)
    agent = hub.agent_token()
    hub.gql(PROFILE_BY_ID, {"id": pid}, key=agent)
    rows = hub.gql(AUDIT, {"id": pid})["data"]["auditLog"]
    reads = [r for r in rows if r["action"] == "READ"]
    assert len(reads) == 1 and reads[0]["actor"] == f"agent:{hub.agent_username}"
    hub.gql(PROFILE_BY_ID, {"id": pid}, key=agent)
    hub.gql(PROFILE_BY_ID, {"id": pid}, key=hub.kiosk_key)  # key reads are not agent reads
    rows = hub.gql(AUDIT, {"id": pid})["data"]["auditLog"]
    assert len([r for r in rows if r["action"] == "READ"]) == 2
    identified = [r for r in rows if r["action"] == "IDENTIFIED"]
    assert identified and identified[-1]["channel"] == "web"
    forbidden = hub.gql(AUDIT, {"id": pid}, key=hub.web_key)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.fixture(scope="module")
def short_lived_hub(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    url, keys = hub_database
    handle = start_hub(
        url,
        keys,
        # Three seconds each: long enough for a loaded CI machine to use the tokens once
        # (at 1.2 s and 1 s a slow sign-in outlived them), short enough to wait out.
        RAPPORT_SELF_SERVICE_TOKEN_MINUTES="0.05",
        RAPPORT_AGENT_TOKEN_TTL_SECONDS="3",
        RAPPORT_AUTH_CACHE_SECONDS="0.1",
    )
    yield handle
    stop_hub(handle)


def test_tokens_expire(short_lived_hub: HubHandle) -> None:
    hub = short_lived_hub
    pid, ident = shopper(hub)
    hub.gql(REQUEST, {"i": ident}, key=hub.kiosk_key)
    token = hub.gql(REDEEM, {"i": ident, "c": latest_code(hub, pid)}, key=hub.kiosk_key)["data"][
        "redeemSelfServiceCode"
    ]["token"]
    assert hub.post(PROFILE_BY_ID, {"id": pid}, key=token).status_code == 200
    agent = hub.agent_token()
    assert hub.post(PROFILE_BY_ID, {"id": pid}, key=agent).status_code == 200
    time.sleep(3.5)
    assert hub.post(PROFILE_BY_ID, {"id": pid}, key=token).status_code == 401
    assert hub.post(PROFILE_BY_ID, {"id": pid}, key=agent).status_code == 401


FORGET = """mutation($id: ID!, $k: String!, $v: String!) { forgetInterest(profileId: $id, key: $k,
  value: $v, touchpoint: KIOSK) { profile { id } userErrors { field code message } } }"""
REMOVE = """mutation($id: ID!, $i: IdentifierInput!) { removeIdentifier(profileId: $id,
  identifier: $i, touchpoint: KIOSK) { profile { identifiers { kind } isKnown }
  userErrors { field code message } } }"""
TRAITS = """mutation($id: ID!, $t: TraitsInput!) { updateTraits(profileId: $id, traits: $t,
  touchpoint: KIOSK) { profile { firstName lastName } userErrors { field code message } } }"""


def test_the_shopper_corrects_and_forgets(hub: HubHandle) -> None:
    from tests.hub.test_identity_e2e import some_skus, track, view

    pid, ident = shopper(hub)
    sku = some_skus(hub, 1)[0]
    track(
        hub,
        hub.kiosk_key,
        [view(unique("m"), ident["kind"], ident["value"], sku, "KIOSK") for _ in range(2)],
    )
    hub.gql(REQUEST, {"i": ident}, key=hub.kiosk_key)
    token = hub.gql(REDEEM, {"i": ident, "c": latest_code(hub, pid)}, key=hub.kiosk_key)["data"][
        "redeemSelfServiceCode"
    ]["token"]

    forgot = hub.gql(FORGET, {"id": pid, "k": "product", "v": sku}, key=token)
    assert forgot["data"]["forgetInterest"]["userErrors"] == []
    again = hub.gql(FORGET, {"id": pid, "k": "product", "v": sku}, key=token)
    assert again["data"]["forgetInterest"]["userErrors"][0]["code"] == "NOT_FOUND"
    # A new view teaches it again as new behaviour; the two old views stay forgotten.
    track(hub, hub.kiosk_key, [view(unique("m"), ident["kind"], ident["value"], sku, "KIOSK")])
    prefs = hub.gql(PROFILE_BY_ID, {"id": pid})["data"]["profile"]["preferences"]
    product = [p for p in prefs if p["key"] == "product" and p["value"] == sku]
    assert len(product) == 1 and "viewed it once" in product[0]["reason"]

    named = hub.gql(
        TRAITS, {"id": pid, "t": {"firstName": "Róisín", "lastName": "Dunne"}}, key=token
    )["data"]["updateTraits"]
    assert named["profile"] == {"firstName": "Róisín", "lastName": "Dunne"}
    too_long = hub.gql(TRAITS, {"id": pid, "t": {"lastName": "x" * 101}}, key=token)
    assert too_long["data"]["updateTraits"]["userErrors"][0]["field"] == ["traits", "lastName"]

    email = next(
        i
        for i in hub.gql(PROFILE_BY_ID, {"id": pid})["data"]["profile"]["identifiers"]
        if i["kind"] == "EMAIL"
    )["value"]
    removed = hub.gql(REMOVE, {"id": pid, "i": {"kind": "EMAIL", "value": email}})["data"][
        "removeIdentifier"
    ]
    assert removed["userErrors"] == []
    assert [i["kind"] for i in removed["profile"]["identifiers"]] == ["LOYALTY_ID"]
    kiosk = hub.gql(REMOVE, {"id": pid, "i": ident}, key=hub.kiosk_key)["data"]["removeIdentifier"]
    assert kiosk["userErrors"][0]["code"] == "FORBIDDEN", "a shared kiosk key cannot"
    missing = hub.gql(
        REMOVE, {"id": pid, "i": {"kind": "EMAIL", "value": "no@example.com"}}, key=token
    )["data"]["removeIdentifier"]
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"


def test_a_contact_typed_at_a_kiosk_cannot_open_someone_elses_ledger(hub: HubHandle) -> None:
    pid, ident = shopper(hub)
    mallory = f"mallory{unique()}@example.org"
    joined = identify(
        hub, hub.kiosk_key, "KIOSK", (ident["kind"], ident["value"]), ("EMAIL", mallory)
    )
    assert joined["profile"]["id"] == pid
    code = hub.gql(REQUEST, {"i": {"kind": "EMAIL", "value": mallory}}, key=hub.kiosk_key)
    sent = code["data"]["requestSelfServiceCode"]
    assert sent["sent"] is True and sent["maskedRecipient"] != "m***@example.org", (
        "the code goes to the confirmed address on file, never to the one just typed in"
    )
    messages = hub.gql(MESSAGES, {"id": pid})["data"]["profile"]["messages"]
    assert all(m["recipient"] != mallory for m in messages)
    lone = identify(
        hub,
        hub.kiosk_key,
        "KIOSK",
        ("LOYALTY_ID", f"K-{unique()}".upper()),
        ("EMAIL", f"walkin{unique()}@example.com"),
    )
    refused = hub.gql(
        REQUEST,
        {"i": {"kind": "LOYALTY_ID", "value": lone["profile"]["identifiers"][0]["value"]}},
        key=hub.kiosk_key,
    )["data"]["requestSelfServiceCode"]
    assert refused["sent"] is False and refused["userErrors"][0]["code"] == "INVALID"
