"""Reads on the hot standby, writes on the primary, over real hubs (`scripts/cluster`): a client
that wrote through one hub reads its write through the other with the consistency token, even
when the standby is paused or down; subscribers still hear of every change. PostgreSQL run
only (tests/conftest.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.conftest import unique
from tests.hub.gql import IDENTIFY, PROFILE_BY_ID, TRACK
from tests.hub.test_identity_e2e import view
from tests.hub.test_realtime_e2e import _next_change, _open, _subscribe
from tests.replicas.conftest import (
    HEADER,
    metric,
    pg_ctl,
    standby_sql,
    start_standby,
    wait_for,
)
from tests.replicas.test_cluster import Cluster

_client = httpx.Client(timeout=30)


def call(
    hub_url: str,
    key: str,
    query: str,
    variables: dict[str, Any],
    token: str | None = None,
) -> tuple[dict[str, Any], str | None]:
    """The answer's data and its consistency token."""
    headers = {"Authorization": f"Bearer {key}"}
    if token is not None:
        headers[HEADER] = token
    response = _client.post(
        f"{hub_url}/graphql", headers=headers, json={"query": query, "variables": variables}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"], response.headers.get(HEADER)


def identify(cluster: Cluster, email: str, first_name: str) -> tuple[dict[str, Any], str]:
    data, token = call(
        cluster.info["hub-a"],
        cluster.info["key-admin"],
        IDENTIFY,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": email}],
                "touchpoint": "WEB",
                "traits": {"firstName": first_name},
            }
        },
    )
    assert not data["identify"]["userErrors"], data
    assert token is not None, "a write answers with a consistency token"
    return data["identify"]["profile"], token


def read_on_b(cluster: Cluster, profile_id: str, token: str | None) -> dict[str, Any] | None:
    data, _ = call(
        cluster.info["hub-b"], cluster.info["key-admin"], PROFILE_BY_ID, {"id": profile_id}, token
    )
    profile: dict[str, Any] | None = data["profile"]
    return profile


def test_a_write_through_hub_a_is_read_at_once_through_hub_b_on_the_standby(
    replicas: Cluster,
) -> None:
    hub_b = replicas.info["hub-b"]
    served_before = metric(hub_b, replicas.info["key-admin"], "rapport_standby_reads_total")
    for i in range(60):
        email = f"{unique()}@example.com"
        created, token = identify(replicas, email, f"First{i}")
        seen = read_on_b(replicas, created["id"], token)
        assert seen is not None, f"iteration {i}: hub B did not see the new profile"
        assert seen["firstName"] == f"First{i}" and seen["version"] == created["version"]
        # A change to an existing profile: the next read sees the new version, not the old.
        updated, token = identify(replicas, email, f"Second{i}")
        assert updated["version"] > created["version"]
        seen = read_on_b(replicas, created["id"], token)
        assert seen is not None
        assert (seen["firstName"], seen["version"]) == (f"Second{i}", updated["version"]), i
    # Hub B really read from the standby (a token the standby had not replayed within the wait
    # would have gone to the primary; locally that is rare).
    served = (
        metric(hub_b, replicas.info["key-admin"], "rapport_standby_reads_total") - served_before
    )
    assert served >= 60, f"only {served} of 120 reads were served by the standby"


def test_a_token_the_paused_standby_has_not_replayed_is_read_from_the_primary(
    replicas: Cluster,
) -> None:
    hub_b = replicas.info["hub-b"]
    fallbacks = metric(hub_b, replicas.info["key-admin"], "rapport_standby_fallbacks_total")
    standby_sql(replicas, "SELECT pg_wal_replay_pause()")
    try:
        created, token = identify(replicas, f"{unique()}@example.com", "Paused")
        # Without the token a query reads from the standby, which has not replayed the write
        # (it is within the lag bound for a few seconds yet): not found there.
        assert read_on_b(replicas, created["id"], None) is None
        started = time.monotonic()
        seen = read_on_b(replicas, created["id"], token)
        waited = time.monotonic() - started
        assert seen is not None and seen["firstName"] == "Paused"
        assert 0.15 < waited < 2.0, waited  # the bounded wait, then the primary
        assert (
            metric(hub_b, replicas.info["key-admin"], "rapport_standby_fallbacks_total")
            == fallbacks + 1
        )
        # Past the lag bound (5 s) the standby is set aside: token or not, the primary reads.
        wait_for(
            lambda: metric(hub_b, replicas.info["key-admin"], "rapport_standby_up") == 0,
            "the standby set aside",
            15,
        )
        assert read_on_b(replicas, created["id"], None) is not None
    finally:
        standby_sql(replicas, "SELECT pg_wal_replay_resume()")
    wait_for(
        lambda: metric(hub_b, replicas.info["key-admin"], "rapport_standby_up") == 1,
        "the standby back in use",
        15,
    )


async def test_subscribers_on_both_hubs_hear_of_every_change(replicas: Cluster) -> None:
    hub_a, hub_b = replicas.hub("hub-a"), replicas.hub("hub-b")
    email = f"{unique()}@example.com"
    loop = asyncio.get_running_loop()
    created, _ = await loop.run_in_executor(None, identify, replicas, email, "Live")
    sockets = [await _open(hub, hub.kiosk_key) for hub in (hub_a, hub_b)]
    try:
        for ws in sockets:
            await _subscribe(ws, created["id"])
        await asyncio.sleep(0.3)
        sku = hub_a.gql("{ products(first: 1) { sku } }")["data"]["products"][0]["sku"]
        writes = 20

        def write_and_read() -> None:
            for _ in range(writes):
                event = view(unique("m"), "EMAIL", email, sku, "WEB")
                data, token = call(hub_a.url, hub_a.web_key, TRACK, {"events": [event]})
                assert data["track"]["accepted"] == 1
                assert read_on_b(replicas, created["id"], token) is not None

        await loop.run_in_executor(None, write_and_read)
        for ws in sockets:
            versions = [(await _next_change(ws))["version"] for _ in range(writes)]
            first = created["version"] + 1
            assert versions == list(range(first, first + writes)), versions
    finally:
        for ws in sockets:
            await ws.close()


def test_reads_are_served_while_the_standby_is_down_and_from_it_again_once_back(
    replicas: Cluster,
) -> None:
    hub_b = replicas.info["hub-b"]
    pg_ctl(replicas, "-m", "immediate", "-w", "stop")
    try:
        for i in range(5):
            created, token = identify(replicas, f"{unique()}@example.com", f"Down{i}")
            for sent in (token, None):
                seen = read_on_b(replicas, created["id"], sent)
                assert seen is not None and seen["firstName"] == f"Down{i}"
        assert metric(hub_b, replicas.info["key-admin"], "rapport_standby_up") == 0
    finally:
        start_standby(replicas)
    wait_for(
        lambda: metric(hub_b, replicas.info["key-admin"], "rapport_standby_up") == 1,
        "the standby back in use",
        30,
    )
    served = metric(hub_b, replicas.info["key-admin"], "rapport_standby_reads_total")
    created, token = identify(replicas, f"{unique()}@example.com", "Back")
    seen = read_on_b(replicas, created["id"], token)
    assert seen is not None and seen["firstName"] == "Back"
    assert metric(hub_b, replicas.info["key-admin"], "rapport_standby_reads_total") == served + 1
