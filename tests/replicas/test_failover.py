"""A failover: the primary dies (`pg_ctl stop -m immediate`) under load and the standby is
promoted (`pg_ctl promote`). The hubs are not restarted: their RAPPORT_DATABASE_URL names both
servers with target_session_attrs=read-write (scripts/cluster), so they write to the promoted
one; in between, requests are refused with a 503 + Retry-After (UNAVAILABLE), never hang.
Their LISTEN connections follow and subscribers are told they may have missed changes.
A cluster of its own (the shared one keeps its primary). PostgreSQL run only."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from tests.conftest import unique
from tests.replicas.conftest import pg_ctl, wait_for
from tests.replicas.outage import Load, Subscriber, check_answers, send_until_stored
from tests.replicas.test_cluster import Cluster
from tests.replicas.test_read_your_writes import identify


@pytest.fixture(scope="module")
def doomed() -> Iterator[Cluster]:
    started = Cluster()
    try:
        yield started
    finally:
        started.stop()


async def _fetch(dsn: str, sql: str) -> object:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


def _stored(dsn: str, ids: list[str]) -> list[str]:
    """Every stored event's message id among `ids`, once per row."""
    quoted = ",".join(f"'{i}'" for i in ids)
    found = asyncio.run(
        _fetch(
            dsn,
            f"SELECT coalesce(json_agg(message_id), '[]')::text FROM events "
            f"WHERE message_id IN ({quoted})",
        )
    )
    return list(json.loads(str(found)))


def _writes_through(hub_url: str, key: str) -> bool:
    response = httpx.post(
        f"{hub_url}/graphql",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "query": "mutation($i: IdentifyInput!) { identify(input: $i) { profile { id } } }",
            "variables": {
                "i": {
                    "identifiers": [{"kind": "EMAIL", "value": f"{unique()}@example.com"}],
                    "touchpoint": "WEB",
                }
            },
        },
        timeout=30,
    )
    return response.status_code == 200 and "errors" not in response.json()


def test_the_hubs_follow_a_promoted_standby_without_a_restart(doomed: Cluster) -> None:
    info = doomed.info
    assert "target_session_attrs=read-write" in info["database"]
    hub_a, hub_b, web, admin = info["hub-a"], info["hub-b"], info["key-web"], info["key-admin"]
    hub_pids = {doomed.pids["hub-a"], doomed.pids["hub-b"]}
    email = f"{unique()}@example.com"
    created, _ = identify(doomed, email, "Failover")
    sku = doomed.hub("hub-a").gql("{ products(first: 1) { sku } }")["data"]["products"][0]
    watcher = Subscriber(hub_b.replace("http", "ws") + "/graphql", info["key-kiosk"], created["id"])
    load = Load(hub_a, web, sku["sku"])
    try:
        wait_for(lambda: load.count(200) >= 5, "batches stored before the failover")
        pg_ctl(doomed, "-m", "immediate", "-w", "stop", server="primary")
        # No server takes writes: refused fast, with a 503 saying to retry.
        wait_for(lambda: load.count(503) >= 3, "refusals while there is no primary", 20)
        pg_ctl(doomed, "-w", "-t", "60", "promote", server="standby")
        promoted = time.monotonic()
        stored = load.count(200)
        wait_for(lambda: load.count(200) > stored + 5, "batches stored on the promoted one", 30)
        resumed = time.monotonic() - promoted
    finally:
        answers = load.stop()
    unstored = check_answers(answers)
    for answer in unstored:
        send_until_stored(hub_b, web, answer.batch)
    new_primary = doomed.dsn("standby")
    assert asyncio.run(_fetch(new_primary, "SELECT pg_is_in_recovery()")) is False
    ids = [e["messageId"] for a in answers for e in a.batch]
    # Replication is asynchronous: a batch acknowledged just before the crash may not have
    # reached the standby. The client sends those again too: stored once, like the rest.
    missing = set(ids) - set(_stored(new_primary, ids))
    for answer in answers:
        if missing & {e["messageId"] for e in answer.batch}:
            send_until_stored(hub_b, web, answer.batch)
    assert sorted(_stored(new_primary, ids)) == sorted(ids)

    try:
        resync = watcher.wait_for(lambda c: c["kind"] == "RESYNC", "a RESYNC", 30)
        assert resync["version"] >= created["version"]
        assert _writes_through(hub_b, admin)
        updated, _ = identify(doomed, email, "Promoted")
        watcher.wait_for(lambda c: c["version"] == updated["version"], "a change after", 15)
    finally:
        watcher.close()
    # A client that lost its socket says which version it saw last: it is told what is current.
    late = Subscriber(
        hub_a.replace("http", "ws") + "/graphql",
        info["key-kiosk"],
        created["id"],
        since=created["version"],
    )
    try:
        first = late.wait_for(lambda c: True, "the first message", 10)
        assert first == {
            "profileId": created["id"],
            "version": updated["version"],
            "touchpoint": "KIOSK",  # the subscriber's own: nothing was changed there
            "kind": "RESYNC",
        }
    finally:
        late.close()
    # The very same hub processes, never restarted.
    assert all(os.path.exists(f"/proc/{pid}") for pid in hub_pids)
    assert {doomed.pids["hub-a"], doomed.pids["hub-b"]} == hub_pids
    assert resumed < 30
