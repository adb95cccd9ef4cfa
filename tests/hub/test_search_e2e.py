"""searchProfiles for agents: exact identifiers, partial and fuzzy names."""

from __future__ import annotations

from hub.catalog.demo_data import read_lines
from tests.conftest import SAMPLE, HubHandle, drama_phone, unique
from tests.hub.gql import SEARCH
from tests.hub.test_identity_e2e import identify


def search(hub: HubHandle, text: str) -> list[str]:
    body = hub.gql(SEARCH, {"text": text}, key=hub.agent_token())
    assert "errors" not in body, body
    return [p["id"] for p in body["data"]["searchProfiles"]]


def test_find_by_identifiers_in_any_format(hub: HubHandle) -> None:
    tag = unique()
    digits = drama_phone()[-3:]
    phone = f"+44 7700 900{digits}"
    profile = identify(
        hub,
        hub.web_key,
        "WEB",
        ("EMAIL", f"{tag}@example.com"),
        ("PHONE", phone),
        ("LOYALTY_ID", f"SRCH-{tag}"),
    )["profile"]
    assert profile["id"] in search(hub, f"{tag.upper()}@Example.com")
    assert profile["id"] in search(hub, f"07700 900{digits}")
    assert profile["id"] in search(hub, f"(07700) 900-{digits}")
    assert profile["id"] in search(hub, f"srch-{tag}")
    crm_id = next(read_lines(SAMPLE)).customer_id
    assert search(hub, crm_id), "CRM ids from the seed are found"


def test_find_by_partial_and_misspelt_names(hub: HubHandle) -> None:
    last = "Zebedee" + unique()[-4:].capitalize().replace("0", "o")
    profile = identify(
        hub,
        hub.web_key,
        "WEB",
        ("EMAIL", f"{unique()}@example.com"),
        firstName="Marguerite",
        lastName=last,
    )["profile"]
    assert profile["id"] in search(hub, "marguerite " + last[:5])
    assert profile["id"] in search(hub, last.lower())
    assert profile["id"] in search(hub, "Margeurite " + last)
    assert profile["id"] not in search(hub, "Completely Different")


def test_empty_search_is_a_typed_error(hub: HubHandle) -> None:
    body = hub.gql(SEARCH, {"text": "   "}, key=hub.agent_token())
    assert body["errors"][0]["extensions"]["code"] == "REQUIRED"
