"""Careless inputs get typed userErrors (or clear GraphQL errors), never a 500 or half a write.
Requests that go wrong outside a field's own checks (malformed or oversized bodies, NUL
characters, an unexpected constraint) are in test_request_errors_e2e.py."""

from __future__ import annotations

import pytest

from tests.conftest import HubHandle, unique
from tests.hub.gql import (
    ADD_NOTE,
    IDENTIFY,
    PROFILE_BY_ID,
    PROFILE_BY_IDENTIFIER,
    SET_CONSENT,
    SET_PREFERENCES,
)
from tests.hub.test_identity_e2e import identify, some_skus, track


@pytest.mark.parametrize(
    ("kind", "value", "code"),
    [
        ("EMAIL", "anna@", "INVALID_EMAIL"),
        ("EMAIL", "test@test.com", "JUNK_IDENTIFIER"),
        ("PHONE", "12", "INVALID_PHONE"),
        ("PHONE", "0000000000", "JUNK_IDENTIFIER"),
        ("ANONYMOUS_ID", "anonymous", "JUNK_IDENTIFIER"),
        ("DEVICE_ID", "null", "JUNK_IDENTIFIER"),
        ("LOYALTY_ID", "", "REQUIRED"),
        ("LOYALTY_ID", "00000000", "JUNK_IDENTIFIER"),
        ("CRM_ID", "x" * 400, "TOO_LONG"),
    ],
)
def test_bad_identifiers_are_refused(hub: HubHandle, kind: str, value: str, code: str) -> None:
    good = f"{unique()}@example.com"
    body = hub.gql(
        IDENTIFY,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": good}, {"kind": kind, "value": value}],
                "touchpoint": "WEB",
            }
        },
    )
    payload = body["data"]["identify"]
    assert payload["profile"] is None
    assert payload["userErrors"][0]["code"] == code
    assert payload["userErrors"][0]["field"] == ["input", "identifiers", "1", "value"]
    # The good identifier in the same call was not stored either.
    found = hub.gql("query($v:String!){profile(identifier:{kind:EMAIL,value:$v}){id}}", {"v": good})
    assert found["data"]["profile"] is None


def test_one_bad_identifier_is_named_without_a_list_index(hub: HubHandle) -> None:
    """`identifier:` is one input, not a list: its problem's field is ["identifier", "value"]."""
    body = hub.gql(
        "query($v:String!){profile(identifier:{kind:ANONYMOUS_ID,value:$v}){id}}",
        {"v": "anonymous"},
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "JUNK_IDENTIFIER"
    assert error["extensions"]["field"] == ["identifier", "value"]
    assert body["data"] is None or body["data"]["profile"] is None


def test_empty_and_oversized_inputs(hub: HubHandle) -> None:
    empty = hub.gql(IDENTIFY, {"input": {"identifiers": [], "touchpoint": "WEB"}})
    assert empty["data"]["identify"]["userErrors"][0]["code"] == "REQUIRED"
    long_name = identify_raw(hub, firstName="A" * 101)
    assert long_name["userErrors"][0] == {
        "field": ["input", "traits", "firstName"],
        "code": "TOO_LONG",
        "message": "At most 100 characters.",
    }
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]
    agent = hub.agent_token()
    for text, code in (("", "REQUIRED"), ("x" * 2001, "TOO_LONG")):
        note = hub.gql(ADD_NOTE, {"id": profile["id"], "text": text}, key=agent)
        assert note["data"]["addNote"]["userErrors"][0]["code"] == code
    prefs = hub.gql(
        SET_PREFERENCES,
        {
            "id": profile["id"],
            "tp": "WEB",
            "prefs": [
                {"key": "theme", "value": "vintage"},
                {"key": "Bad Key!", "value": "x"},
                {"key": "theme", "value": ""},
                {"key": "product", "value": "NO-SUCH-SKU"},
            ],
        },
    )
    errors = prefs["data"]["setPreferences"]["userErrors"]
    assert {(tuple(e["field"]), e["code"]) for e in errors} == {
        (("preferences", "1", "key"), "INVALID"),
        (("preferences", "2", "value"), "REQUIRED"),
    }
    after = hub.gql(PROFILE_BY_ID, {"id": profile["id"]})["data"]["profile"]
    assert after["preferences"] == [], "the valid preference in the bad call was not stored"
    missing = hub.gql(
        SET_PREFERENCES,
        {"id": profile["id"], "tp": "WEB", "prefs": [{"key": "product", "value": "NO-SUCH-SKU"}]},
    )
    assert missing["data"]["setPreferences"]["userErrors"][0]["code"] == "NOT_FOUND"


def test_control_characters_are_refused_in_what_people_write(hub: HubHandle) -> None:
    """As in names and other traits: an escape sequence (a terminal obeys it on an agent's
    screen) or a right-to-left override (it makes "gnp.exe" read "exe.png") in a stated
    preference or a note is a typed INVALID; a note keeps its line breaks."""
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]
    agent = hub.agent_token()
    for text in ("x\x1b[2J", "x\u202egnp.exe", "x\x07"):
        prefs = hub.gql(
            SET_PREFERENCES,
            {"id": profile["id"], "tp": "WEB", "prefs": [{"key": "theme", "value": text}]},
        )
        assert prefs["data"]["setPreferences"]["userErrors"] == [
            {
                "field": ["preferences", "0", "value"],
                "code": "INVALID",
                "message": "Control characters are not allowed.",
            }
        ], text
        note = hub.gql(ADD_NOTE, {"id": profile["id"], "text": text}, key=agent)
        assert note["data"]["addNote"]["userErrors"][0]["code"] == "INVALID", text
        name = identify_raw(hub, firstName=text)
        assert name["userErrors"][0]["code"] == "INVALID", text
    lines = hub.gql(
        ADD_NOTE, {"id": profile["id"], "text": "Called twice.\n\tWants a refund."}, key=agent
    )
    assert lines["data"]["addNote"]["userErrors"] == []
    stored = hub.gql(PROFILE_BY_ID, {"id": profile["id"]})["data"]["profile"]
    assert stored["preferences"] == []


def identify_raw(hub: HubHandle, **traits: str) -> dict[str, object]:
    body = hub.gql(
        IDENTIFY,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": f"{unique()}@example.com"}],
                "traits": traits,
                "touchpoint": "WEB",
            }
        },
    )
    payload: dict[str, object] = body["data"]["identify"]
    return payload


def test_unknown_profile_ids(hub: HubHandle) -> None:
    assert hub.gql(PROFILE_BY_ID, {"id": "nope"})["data"]["profile"] is None
    consent = hub.gql(
        SET_CONSENT, {"id": "nope", "purpose": "ANALYTICS", "granted": True, "tp": "WEB"}
    )
    assert consent["data"]["setConsent"]["userErrors"] == [
        {"field": ["profileId"], "code": "NOT_FOUND", "message": "There is no profile “nope”."}
    ]
    prefs = hub.gql(
        SET_PREFERENCES,
        {"id": "x" * 500, "tp": "WEB", "prefs": [{"key": "theme", "value": "vintage"}]},
    )
    assert prefs["data"]["setPreferences"]["userErrors"][0]["code"] == "NOT_FOUND"
    exported = hub.gql('mutation{exportProfile(profileId:"nope"){document userErrors{code}}}')
    assert exported["data"]["exportProfile"]["userErrors"][0]["code"] == "NOT_FOUND"


def test_profile_query_needs_exactly_one_selector(hub: HubHandle) -> None:
    body = hub.gql("{ profile { id } }")
    assert body["errors"][0]["extensions"]["code"] == "REQUIRED"
    bad = hub.gql('{ profile(identifier: {kind: PHONE, value: "12"}) { id } }')
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_PHONE"


# --- Inputs a reviewer found turning into "Unexpected error." or a bare 500 -------------------


def _event(**fields: object) -> dict[str, object]:
    return {
        "messageId": unique("m"),
        "identifier": {"kind": "ANONYMOUS_ID", "value": unique("anon-")},
        "type": "VIEW",
        "touchpoint": "WEB",
        **fields,
    }


def _nested(depth: int) -> dict[str, object]:
    value: dict[str, object] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_properties_too_deep_or_too_big_are_refused(hub: HubHandle) -> None:
    sku = some_skus(hub, 1)[0]
    cases = [
        (_nested(300), "INVALID"),  # every later read of the profile used to be a 500
        (_nested(11), "INVALID"),
        ({f"k{i}": i for i in range(201)}, "TOO_LONG"),
        ({"items": [[i] for i in range(150)]}, "TOO_LONG"),  # keys and items count together
        ({"big": 10**30}, "INVALID"),  # not storable as JSON numbers are read back
        ({"text": "x" * 9000}, "TOO_LONG"),
    ]
    for properties, code in cases:
        event = _event(productSku=sku, properties=properties)
        result = track(hub, hub.web_key, [event])
        assert result["accepted"] == 0, properties
        assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
            (["events", "0", "properties"], code)
        ]
    fine = _event(productSku=sku, properties={**_nested(10), "list": list(range(150))})
    assert track(hub, hub.web_key, [fine])["accepted"] == 1
    anon = fine["identifier"]["value"]  # type: ignore[index]
    profile = hub.gql(PROFILE_BY_IDENTIFIER, {"kind": "ANONYMOUS_ID", "value": anon})
    assert len(profile["data"]["profile"]["recentEvents"]) == 1


@pytest.mark.parametrize("quantity", [-3, 0])
@pytest.mark.parametrize("kind", ["PURCHASE", "ADD_TO_CART", "RETURN"])
def test_quantities_are_positive(hub: HubHandle, kind: str, quantity: int) -> None:
    sku = some_skus(hub, 1)[0]
    result = track(hub, hub.web_key, [_event(type=kind, productSku=sku, quantity=quantity)])
    assert result["accepted"] == 0
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["events", "0", "quantity"], "OUT_OF_RANGE")
    ]
    returned = _event(type="RETURN", productSku=sku, quantity=3)
    assert track(hub, hub.web_key, [returned])["accepted"] == 1


SET_CONSENT_UNTIL = """
mutation($id: ID!, $at: DateTime!) {
  setConsent(profileId: $id, purpose: MARKETING_EMAIL, granted: true, touchpoint: WEB,
             expiresAt: $at) { consent { purpose } userErrors { field code message } }
}
"""
EVALUATION = "query($f: DateTime!, $t: DateTime!) { evaluation(from: $f, to: $t) { end } }"


def test_an_evaluation_window_may_start_at_the_beginning_of_time(hub: HubHandle) -> None:
    """Found by the fuzzer: from 0001-01-01 the attribution look-back went before year 1, and
    the read crashed ("Unexpected error.") instead of counting everything."""
    everything = hub.gql(EVALUATION, {"f": "0001-01-01T00:00:00Z", "t": "9999-12-31T00:00:00Z"})
    assert "errors" not in everything, everything
    assert everything["data"]["evaluation"]["end"].startswith("9999-12-31")


def test_times_without_a_time_zone_are_refused(hub: HubHandle) -> None:
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]["id"]
    naive = hub.gql(SET_CONSENT_UNTIL, {"id": pid, "at": "2030-01-01T00:00:00"})
    assert naive["data"]["setConsent"] == {
        "consent": None,
        "userErrors": [
            {"field": ["expiresAt"], "code": "INVALID", "message": "Give a time zone (e.g. Z)."}
        ],
    }
    aware = hub.gql(SET_CONSENT_UNTIL, {"id": pid, "at": "2030-01-01T00:00:00Z"})
    assert aware["data"]["setConsent"]["userErrors"] == []
    for start, end, field in (
        ("2026-01-01T00:00:00", "2026-02-01T00:00:00Z", "from"),
        ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00", "to"),
        ("2026-01-01T00:00:00", "2026-02-01T00:00:00", "from"),
    ):
        body = hub.gql(EVALUATION, {"f": start, "t": end})
        assert body["data"] is None
        error = body["errors"][0]
        assert error["message"] == "Give a time zone (e.g. Z)."
        assert error["extensions"] == {"code": "INVALID", "field": [field]}


FORGET = """mutation($id: ID!, $k: String!, $v: String!) { forgetInterest(profileId: $id, key: $k,
  value: $v, touchpoint: KIOSK) { profile { id } userErrors { field code message } } }"""


def test_forget_interest_checks_its_key_and_value(hub: HubHandle) -> None:
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]["id"]
    for key, value, field, code in (
        ("k" * 60, "vintage", "key", "INVALID"),
        ("Bad Key!", "vintage", "key", "INVALID"),
        ("tag", "v" * 201, "value", "TOO_LONG"),
        ("tag", "  ", "value", "REQUIRED"),
    ):
        body = hub.gql(FORGET, {"id": pid, "k": key, "v": value})
        errors = body["data"]["forgetInterest"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [([field], code)], (key, value)
    unknown = hub.gql(FORGET, {"id": pid, "k": "tag", "v": "never-seen"})
    assert unknown["data"]["forgetInterest"]["userErrors"][0]["code"] == "NOT_FOUND"


def test_an_unknown_products_cursor_is_an_error(hub: HubHandle) -> None:
    body = hub.gql('{ products(after: "NO-SUCH-SKU") { sku } }')
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": ["after"]}
    first = hub.gql("{ products(first: 2) { sku } }")["data"]["products"]
    after = hub.gql(
        "query($a: String) { products(first: 2, after: $a) { sku } }", {"a": first[1]["sku"]}
    )
    assert after["data"]["products"][0]["sku"] not in {p["sku"] for p in first}
