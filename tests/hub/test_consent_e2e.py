"""Consent per purpose: history kept, expiry counts as denied, erased customers stay out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from hub.catalog.demo_data import read_lines
from tests.conftest import (
    SAMPLE,
    HubHandle,
    hub_command,
    prepare_database,
    running_hub,
    unique,
)
from tests.hub.gql import PROFILE_BY_ID
from tests.hub.test_identity_e2e import identify, some_skus, track, view

SET_CONSENT_UNTIL = """mutation($id: ID!, $p: ConsentPurpose!, $g: Boolean!, $until: DateTime) {
  setConsent(profileId: $id, purpose: $p, granted: $g, touchpoint: WEB, expiresAt: $until) {
    consent { purpose granted } userErrors { field code message } } }"""
ERASE = "mutation($id:ID!){eraseProfile(profileId:$id){erased userErrors{code}}}"
BY_CRM = "query($v:String!){profile(identifier:{kind:CRM_ID,value:$v}){id}}"


def consents(hub: HubHandle, pid: str) -> dict[str, dict[str, object]]:
    profile = hub.gql(PROFILE_BY_ID, {"id": pid})["data"]["profile"]
    return {c["purpose"]: c for c in profile["consents"]}


def test_defaults_history_and_expiry(hub: HubHandle) -> None:
    email = f"{unique()}@example.com"
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]["id"]
    start = consents(hub, pid)
    assert start["PERSONALIZATION"]["granted"] and start["PERSONALIZATION"]["isDefault"]
    assert not start["MARKETING_EMAIL"]["granted"], "marketing is opt-in"

    until = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    granted = hub.gql(
        SET_CONSENT_UNTIL, {"id": pid, "p": "MARKETING_SMS", "g": True, "until": until}
    )
    assert granted["data"]["setConsent"]["consent"]["granted"] is True
    assert consents(hub, pid)["MARKETING_SMS"]["granted"] is True
    past = hub.gql(
        SET_CONSENT_UNTIL, {"id": pid, "p": "ANALYTICS", "g": True, "until": "2001-01-01T00:00:00Z"}
    )
    assert past["data"]["setConsent"]["userErrors"][0]["code"] == "OUT_OF_RANGE"

    # Personalisation that expires stops learning once it has.
    hub.gql(SET_CONSENT_UNTIL, {"id": pid, "p": "PERSONALIZATION", "g": True, "until": until})
    time.sleep(2.2)
    after = consents(hub, pid)
    assert after["MARKETING_SMS"]["granted"] is False, "expired consent counts as denied"
    assert after["PERSONALIZATION"]["granted"] is False
    track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, some_skus(hub, 1)[0], "WEB")])
    profile = hub.gql(PROFILE_BY_ID, {"id": pid})["data"]["profile"]
    assert [p for p in profile["preferences"] if p["source"] == "IMPLICIT"] == []

    history = hub.gql(EXPORT_HISTORY, {"id": pid})["data"]["exportProfile"]["document"]
    assert [c["purpose"] for c in history["consentHistory"]] == ["MARKETING_SMS", "PERSONALIZATION"]


EXPORT_HISTORY = "mutation($id:ID!){exportProfile(profileId:$id){document}}"


@pytest.fixture
def own_hub(make_database) -> Iterator[HubHandle]:  # type: ignore[no-untyped-def]
    """A seeded store and hub of this test's own: it erases a sample customer and seeds the
    store again, which the run's shared store must not see (other files' tests read the
    sample's customers, and the A/A check `seed-demo` makes follows the newest purchase)."""
    url = make_database("consent")
    with running_hub(url, prepare_database(url)) as handle:
        yield handle


def test_an_erased_customer_is_not_recreated_by_the_import(own_hub: HubHandle) -> None:
    hub = own_hub
    crm_id = sorted({line.customer_id for line in read_lines(SAMPLE)})[-1]
    pid = hub.gql(BY_CRM, {"v": crm_id})["data"]["profile"]["id"]
    assert hub.gql(ERASE, {"id": pid})["data"]["eraseProfile"]["erased"] is True
    hub_command(hub.database_url, "seed-demo", str(SAMPLE), "--no-keys")
    assert hub.gql(BY_CRM, {"v": crm_id})["data"]["profile"] is None
    late = track(
        hub,
        hub.web_key,
        [
            {
                "messageId": unique("m"),
                "type": "VIEW",
                "touchpoint": "WEB",
                "productSku": some_skus(hub, 1)[0],
                "identifier": {"kind": "CRM_ID", "value": crm_id},
            }
        ],
    )
    assert late["accepted"] == 0
    suppressed = hub.gql(
        "mutation($e:[EventInput!]!){track(events:$e){suppressed}}",
        {
            "e": [
                {
                    "messageId": unique("m"),
                    "type": "VIEW",
                    "touchpoint": "WEB",
                    "identifier": {"kind": "CRM_ID", "value": crm_id},
                }
            ]
        },
    )
    assert suppressed["data"]["track"]["suppressed"] == 1
    assert hub.gql(BY_CRM, {"v": crm_id})["data"]["profile"] is None


def test_retention_keeps_only_what_service_needs(hub: HubHandle) -> None:
    email = f"{unique()}@example.com"
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]["id"]
    sku = some_skus(hub, 1)[0]
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    old_event = {**view(unique("old"), "EMAIL", email, sku, "WEB"), "occurredAt": old}
    track(hub, hub.web_key, [old_event, view(unique("new"), "EMAIL", email, sku, "WEB")])
    hub.gql(SET_CONSENT_UNTIL, {"id": pid, "p": "ANALYTICS", "g": False, "until": None})
    result = hub_command(hub.database_url, "retention")
    assert "events of customers who refused analytics" in result.stderr
    profile = hub.gql(PROFILE_BY_ID, {"id": pid})["data"]["profile"]
    assert len(profile["recentEvents"]) == 1, "the 400-day-old event is gone"
    learned = [p for p in profile["preferences"] if p["source"] == "IMPLICIT"]
    assert any("viewed it twice" in p["reason"] for p in learned), "what it taught stays"
    replay = track(hub, hub.web_key, [old_event])
    assert replay["accepted"] == 0 and replay["duplicates"] == 1, "a replay still changes nothing"


def test_export_as_a_downloadable_file(hub: HubHandle) -> None:
    import httpx

    email = f"{unique()}@example.com"
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]["id"]
    url = f"{hub.url}/profiles/{pid}/export.json"
    response = httpx.get(url, headers={"Authorization": f"Bearer {hub.admin_key}"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="rapport-{pid}.json"'
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["identifiers"][0]["value"] == email
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {hub.web_key}"}).status_code == 403
    missing = httpx.get(
        f"{hub.url}/profiles/nope/export.json", headers={"Authorization": f"Bearer {hub.admin_key}"}
    )
    assert missing.status_code == 404
    nul = httpx.get(  # a NUL in the address: PostgreSQL refused the lookup (a 500)
        f"{hub.url}/profiles/a%00b/export.json",
        headers={"Authorization": f"Bearer {hub.admin_key}"},
    )
    assert nul.status_code == 404, nul.text
    assert nul.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_default_consent_policy_is_a_setting(hub_database: tuple[str, dict[str, str]]) -> None:
    from tests.conftest import start_hub, stop_hub

    url, keys = hub_database
    other = start_hub(
        url, keys, RAPPORT_CONSENT_DEFAULTS='{"ANALYTICS": false, "MARKETING_POST": true}'
    )
    try:
        pid = identify(other, other.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))[
            "profile"
        ]["id"]
        answers = consents(other, pid)
        assert answers["ANALYTICS"]["granted"] is False and answers["ANALYTICS"]["isDefault"]
        assert answers["MARKETING_POST"]["granted"] is True
        assert answers["MARKETING_EMAIL"]["granted"] is False
    finally:
        stop_hub(other)


async def test_the_export_file_says_when_the_store_is_away(
    hub_database: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As /graphql does: 503, Retry-After and UNAVAILABLE, not a 500 with a trace."""
    from tests.hub.inprocess import serving_store

    async with serving_store(hub_database) as (client, view, keys):

        async def away(*_: object) -> None:
            raise ConnectionRefusedError("the database is restarting")

        monkeypatch.setattr(view.hub.authenticator, "authenticate_with", away)
        answer = await client.get(
            "/profiles/anyone/export.json", headers={"Authorization": f"Bearer {keys['admin']}"}
        )
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert answer.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"


async def test_the_store_away_at_the_key_gate_is_retryable_like_during_execution(
    hub_database: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database away while the key is looked up (the gate, before any GraphQL work) was
    UNAVAILABLE without `retryable: true`, which the same refusal during execution carries;
    a client reading the flag gave up on a write it should have sent again (seen when a
    primary restarted under load)."""
    from tests.hub.inprocess import serving_store

    async with serving_store(hub_database) as (client, view, keys):

        async def away(*_: object) -> None:
            raise ConnectionRefusedError("the database is restarting")

        monkeypatch.setattr(view.hub.authenticator, "authenticate_with", away)
        answer = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {keys['web']}"},
        )
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert answer.json()["errors"][0]["extensions"] == {"code": "UNAVAILABLE", "retryable": True}


async def test_a_fault_outside_graphql_is_answered_in_json_without_a_trace(
    hub_database: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not Starlette's plain "Internal Server Error": the shape every refusal has, and an
    incident id to find the trace by in the log."""
    import httpx

    from hub.app import create_app
    from hub.privacy import erasure
    from hub.settings import Settings

    url, keys = hub_database
    app = create_app(Settings(database_url=url, retrain_on_start=False, rate_limits={}))

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug with a secret in its message")

    monkeypatch.setattr(erasure, "export", broken)
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    made = "mutation($e: String!) { identify(input: {identifiers: [{kind: EMAIL, value: $e}], "
    made += "touchpoint: WEB}) { profile { id } } }"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            variables = {"e": f"{unique()}@example.com"}
            found = await client.post(
                "/graphql", json={"query": made, "variables": variables}, headers=admin
            )
            pid = found.json()["data"]["identify"]["profile"]["id"]
            answer = await client.get(
                f"/profiles/{pid}/export.json", headers={"Authorization": f"Bearer {keys['admin']}"}
            )
    assert answer.status_code == 500
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["message"].startswith("Unexpected error (incident ")
    assert "secret" not in answer.text and "Traceback" not in answer.text
