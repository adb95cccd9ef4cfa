"""Careless inputs get typed userErrors (or clear GraphQL errors), never a 500 or half a write."""

from __future__ import annotations

import pytest

from tests.conftest import HubHandle, unique
from tests.hub.gql import ADD_NOTE, IDENTIFY, PROFILE_BY_ID, SET_CONSENT, SET_PREFERENCES
from tests.hub.test_identity_e2e import identify


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


def test_malformed_requests_are_not_500s(hub: HubHandle) -> None:
    client = hub._client
    headers = {"Authorization": f"Bearer {hub.admin_key}"}
    for content in (b"{", b"[]", b'{"query": 5}', b'{"query": "{ nope }"}', b""):
        response = client.post(
            f"{hub.url}/graphql",
            headers={**headers, "content-type": "application/json"},
            content=content,
        )
        assert 400 <= response.status_code < 500 or "errors" in response.json(), content
        assert response.status_code != 500
    deep = "{ products { category { name } } }".replace("name", "name " * 1)
    assert hub.post(deep).status_code == 200
