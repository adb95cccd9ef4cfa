"""A PostgreSQL restart under load (`pg_ctl restart -m fast` of the primary): every request is
answered in good time, stored or refused with a 503 + Retry-After and code UNAVAILABLE (never a
hang, a bare 500 or an "Unexpected error"); the hubs, their LISTEN connections and their
subscribers recover by themselves, and a subscriber is told (RESYNC, with the current version)
that it may have missed changes. PostgreSQL run only (tests/conftest.py)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.conftest import unique
from tests.replicas.conftest import pg_ctl, primary_sql, wait_for
from tests.replicas.outage import Load, Subscriber, check_answers, send_until_stored
from tests.replicas.test_cluster import Cluster
from tests.replicas.test_read_your_writes import identify


def _stored_once(cluster: Cluster, batches: list[list[dict[str, object]]]) -> None:
    ids = [e["messageId"] for batch in batches for e in batch]
    quoted = ",".join(f"'{i}'" for i in ids)
    rows = primary_sql(
        cluster,
        f"SELECT count(*) FROM events WHERE message_id IN ({quoted})",
    )
    assert rows == len(ids), (rows, len(ids))


def test_a_primary_restart_under_load(replicas: Cluster) -> None:
    hub_a, hub_b = replicas.info["hub-a"], replicas.info["hub-b"]
    web, kiosk = replicas.info["key-web"], replicas.info["key-kiosk"]
    email = f"{unique()}@example.com"
    created, _ = identify(replicas, email, "Restart")
    sku = replicas.hub("hub-a").gql("{ products(first: 1) { sku } }")["data"]["products"][0]
    watcher = Subscriber(hub_b.replace("http", "ws") + "/graphql", kiosk, created["id"])
    load = Load(hub_a, web, sku["sku"])
    try:
        wait_for(lambda: load.count(200) >= 5, "batches stored before the restart")
        directory = Path(replicas.info["dir"]) / "pg"
        started = time.monotonic()
        pg_ctl(
            replicas,
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "-l",
            str(directory / "primary.log"),
            "restart",
            server="primary",
        )
        restarted = time.monotonic() - started
        stored_before = load.count(200)
        # Service resumes by itself: batches are stored again.
        wait_for(lambda: load.count(200) > stored_before + 5, "batches stored after", 30)
    finally:
        answers = load.stop()
    assert any(a.status == 503 for a in answers), "no request met the restart"
    unstored = check_answers(answers)
    for answer in unstored:  # the client sends what was not acknowledged again
        send_until_stored(hub_a, web, answer.batch)
    _stored_once(replicas, [a.batch for a in answers])

    try:
        # The hub B's LISTEN connection came back and said so: a RESYNC with the version now.
        resync = watcher.wait_for(lambda c: c["kind"] == "RESYNC", "a RESYNC", 30)
        assert resync["version"] >= created["version"] and resync["touchpoint"] == "KIOSK"
        # And changes are heard again, on the same socket.
        updated, _ = identify(replicas, email, "Again")
        heard = watcher.wait_for(lambda c: c["version"] == updated["version"], "the change", 10)
        assert heard["kind"] != "RESYNC"
    finally:
        watcher.close()
    for hub in (hub_a, hub_b):
        assert httpx.get(f"{hub}/healthz", timeout=5).status_code == 200
    assert restarted < 60
