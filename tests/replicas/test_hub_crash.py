"""`kill -9` of a hub in the middle of a stream of `track` batches: every acknowledged event is
stored, an interrupted batch is stored whole or not at all, and once the client has sent the
unacknowledged batches again (same messageIds, through another hub) every event is stored
exactly once. PostgreSQL run only (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from typing import Any

import httpx

from tests.conftest import start_hub, stop_hub, unique
from tests.hub.gql import TRACK
from tests.hub.test_identity_e2e import view
from tests.replicas.conftest import primary_sql
from tests.replicas.test_cluster import Cluster

BATCHES, PER_BATCH, SENDERS = 60, 100, 2


def _send(client: httpx.Client, hub_url: str, key: str, batch: list[dict[str, Any]]) -> bool:
    """True when the hub acknowledged the whole batch (stored now or already)."""
    response = client.post(
        f"{hub_url}/graphql",
        headers={"Authorization": f"Bearer {key}"},
        json={"query": TRACK, "variables": {"events": batch}},
    )
    body = response.json()
    assert body.get("data"), body
    result = body["data"]["track"]
    assert not result["userErrors"], result
    return bool(result["accepted"] + result["duplicates"] == len(batch))


def _stored(cluster: Cluster, prefix: str) -> dict[str, int]:
    """message id → rows with it (the ids are quoted from our own hex tag)."""
    rows = primary_sql(
        cluster,
        "SELECT coalesce(json_object_agg(message_id, n), '{}')::text FROM (SELECT message_id, "
        f"count(*) AS n FROM events WHERE message_id LIKE '{prefix}%' GROUP BY message_id) m",
    )
    counts: dict[str, int] = json.loads(str(rows))
    return counts


def test_every_acknowledged_event_is_stored_once_after_a_hub_is_killed(replicas: Cluster) -> None:
    keys = {c: replicas.info[f"key-{c}"] for c in ("web", "kiosk", "callcenter", "admin")}
    doomed = start_hub(
        replicas.info["primary"], keys, RAPPORT_READ_DATABASE_URLS=replicas.info["standby"]
    )
    assert doomed.process is not None
    sku = doomed.gql("{ products(first: 1) { sku } }")["data"]["products"][0]["sku"]
    tag = unique("crash")
    emails = [f"{unique()}@example.com" for _ in range(4)]
    batches = [
        [
            view(f"{tag}-{b}-{i}", "EMAIL", emails[(b + i) % len(emails)], sku, "WEB")
            for i in range(PER_BATCH)
        ]
        for b in range(BATCHES)
    ]
    acknowledged: set[int] = set()
    interrupted: set[int] = set()
    pending = list(range(BATCHES))
    lock = threading.Lock()

    def sender() -> None:
        with httpx.Client(timeout=30) as client:
            while True:
                with lock:
                    if not pending:
                        return
                    number = pending.pop(0)
                try:
                    ok = _send(client, doomed.url, keys["web"], batches[number])
                except httpx.HTTPError:
                    with lock:
                        interrupted.add(number)
                    return  # the hub is gone: this client stops and retries later
                with lock:
                    (acknowledged if ok else interrupted).add(number)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 5:
            assert time.monotonic() < deadline, "the hub acknowledged too few batches"
            time.sleep(0.01)
        os.kill(doomed.process.pid, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=60)
    finally:
        stop_hub(doomed)
    assert doomed.process.wait(timeout=10) == -signal.SIGKILL
    assert interrupted, "no batch was cut off by the kill"
    unacknowledged = sorted(set(range(BATCHES)) - acknowledged)

    stored = _stored(replicas, tag)
    # Every acknowledged event is there, once; an interrupted batch is all there or not at all.
    for number in acknowledged:
        assert all(stored.get(e["messageId"]) == 1 for e in batches[number]), number
    for number in unacknowledged:
        counts = {stored.get(e["messageId"], 0) for e in batches[number]}
        assert counts in ({0}, {1}), (number, counts)

    # The client sends what was not acknowledged again, by messageId, to another hub.
    with httpx.Client(timeout=30) as client:
        for number in unacknowledged:
            assert _send(client, replicas.info["hub-a"], keys["web"], batches[number])
    stored = _stored(replicas, tag)
    assert len(stored) == BATCHES * PER_BATCH
    assert set(stored.values()) == {1}
