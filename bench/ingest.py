"""Batch ingest over GraphQL (`track`, 1,000 events a request) against a raw-insert floor.

Usage: .venv/bin/python bench/ingest.py [--batches 5] [--postgres] [--baseline DIR]
Starts a real hub (uvicorn) on a fresh SQLite database (with --postgres: a database on a
throw-away PostgreSQL 15 server, tests/pg.py) seeded with tests/data's sample, then
sends batches of 1,000 VIEW events from one client, with the web channel's key (as a web site
sends them):
  - from known customers (the sample's CRM ids: resolution finds them, learning updates them);
  - from 1,000 new visitors per batch (a new ANONYMOUS_ID each: a profile and an identifier
    are created for every one);
  - from known customers, every third event a PURCHASE with quantity and price.
Floor: the same number of rows inserted with the stdlib sqlite3 module's executemany into a
table of the events' shape, one commit per batch (no validation, resolution or learning); on
PostgreSQL, asyncpg executemany of as many rows into the store's own `events` table.
Also printed: events per CPU-second of the hub process (its user + system time over each
request, read from /proc; on SQLite that includes the database's own work, on PostgreSQL the
server's is not in it), which other load on the machine disturbs far less than wall time.
--baseline DIR (another version's code, e.g. `git archive REV | tar -x -C DIR`): a second hub
on a store of its own gets the same batches, the two taking turns batch by batch, and the
ratios this ÷ baseline are printed (wall, and per hub CPU-second).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.drive import cpu_seconds
from bench.timing import executemany_floor, print_rates
from hub.catalog.demo_data import read_lines
from tests.conftest import SAMPLE, prepare_database, start_hub, stop_hub

TRACK = "mutation($e: [EventInput!]!) { track(events: $e) { accepted userErrors { code } } }"
BATCH = 1000


def prepared_by(url: str, env: dict[str, str]) -> dict[str, str]:
    """`prepare_database` run by the code that will serve the store (`env`: a baseline's
    PYTHONPATH), so each version's store has that version's own schema."""
    with mock.patch.dict(os.environ, env):
        return prepare_database(url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--baseline",
        help="the parent directory of another version's hub/ package, put on PYTHONPATH: a "
        "second hub on a store of its own, sent the same batches in alternation",
    )
    args = parser.parse_args()
    batches = args.batches
    server = None
    if args.postgres:
        from tests.pg import PostgresServer

        server = PostgresServer().start()
    names = ["this"] + (["baseline"] if args.baseline else [])
    paths: list[Path] = []
    hubs: dict[str, Any] = {}
    try:
        for name in names:
            if server is not None:
                url = server.create_database(f"ingest_{name}")
            else:
                paths.append(Path("/tmp") / f"bench-{uuid.uuid4().hex[:8]}.db")
                url = f"sqlite+aiosqlite:///{paths[-1]}"
            extra = {"PYTHONPATH": args.baseline} if name == "baseline" else {}
            keys = prepared_by(url, extra)
            hubs[name] = (start_hub(url, keys, **extra), keys, url)
        results, per_cpu = _drive(hubs, batches)
    except BaseException:
        if server is not None:  # the floor's `finally` below is not reached
            server.stop()
        raise
    finally:
        for hub, _, _ in hubs.values():
            stop_hub(hub)
    url = hubs["this"][2]
    skus = sorted({line.sku for line in read_lines(SAMPLE)})
    if server is not None:
        try:
            floor = statistics.median(
                asyncio.run(pg_floor(url, skus, BATCH)) for _ in range(batches)
            )
        finally:
            server.stop()
    else:
        with sqlite3.connect(paths[0]) as raw:
            floor = statistics.median(executemany_floor(raw, skus, BATCH) for _ in range(batches))
        for path in paths:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
    median = {key: statistics.median(rates) for key, rates in results.items()}
    cpu = {key: statistics.median(rates) for key, rates in per_cpu.items()}
    print_rates(
        floor,
        {
            f"track, 1,000 from {case}": rate
            for (name, case), rate in median.items()
            if name == "this"
        },
        floor_name="asyncpg executemany (floor)" if server is not None else None,
    )
    print(f"{'':38} {'events per hub CPU-second':>26}")
    for (name, case), rate in cpu.items():
        if name == "this":
            print(f"{f'track, 1,000 from {case}':38} {rate:26,.0f}")
    if args.baseline:
        print(f"{'baseline (same batches, alternated)':38} {'events/s':>10} {'per CPU-s':>10} "
              f"{'this ÷ baseline':>16}")  # fmt: skip
        for (name, case), rate in median.items():
            if name == "baseline":
                ratio = median[("this", case)] / rate
                cpu_ratio = cpu[("this", case)] / cpu[(name, case)]
                print(
                    f"{f'track, 1,000 from {case}':38} {rate:10,.0f} {cpu[(name, case)]:10,.0f} "
                    f"{ratio:7.2f} / {cpu_ratio:.2f} CPU"
                )


def _drive(
    hubs: dict[str, Any], batches: int
) -> tuple[dict[tuple[str, str], list[float]], dict[tuple[str, str], list[float]]]:
    """Events/s (wall, and per hub CPU-second) of every batch, by (hub, case); with two hubs
    each batch goes to both, who goes first alternating."""
    lines = list(read_lines(SAMPLE))
    crm_ids = sorted({line.customer_id for line in lines})
    skus = sorted({line.sku for line in lines})

    def known(i: int) -> dict[str, str]:
        return {"kind": "CRM_ID", "value": crm_ids[i % len(crm_ids)]}

    def visitor(i: int) -> dict[str, str]:
        return {"kind": "ANONYMOUS_ID", "value": f"bench-{uuid.uuid4().hex}"}

    results: dict[tuple[str, str], list[float]] = {}
    per_cpu: dict[tuple[str, str], list[float]] = {}
    with httpx.Client(timeout=600) as client:
        for case, who, mixed in (
            ("known customers", known, False),
            ("new visitors", visitor, False),
            ("known, ⅓ purchases", known, True),
        ):
            for turn in range(batches):
                events = [
                    {
                        "messageId": uuid.uuid4().hex,
                        "identifier": who(i),
                        "type": "VIEW",
                        "touchpoint": "WEB",
                        "productSku": skus[i % len(skus)],
                        # A purchase carries quantity and price, a view leaves them out.
                        **(
                            {"type": "PURCHASE", "quantity": 1 + i % 3, "price": 2.5}
                            if mixed and i % 3 == 0
                            else {}
                        ),
                    }
                    for i in range(BATCH)
                ]
                order = list(hubs) if turn % 2 == 0 else list(hubs)[::-1]
                for name in order:
                    hub, keys, _ = hubs[name]
                    pid = hub.process.pid
                    cpu = cpu_seconds(pid)
                    start = time.perf_counter()
                    response = client.post(
                        f"{hub.url}/graphql",
                        # A web site's own key, as a web site sends them: the hub then also
                        # links the key to every customer it names (until 2026-12-06 the
                        # admin key was used here, which skips that).
                        headers={"Authorization": f"Bearer {keys['web']}"},
                        json={"query": TRACK, "variables": {"e": events}},
                    )
                    elapsed = time.perf_counter() - start
                    cpu = cpu_seconds(pid) - cpu
                    accepted = response.json()["data"]["track"]["accepted"]
                    assert accepted == BATCH, response.text
                    results.setdefault((name, case), []).append(BATCH / elapsed)
                    per_cpu.setdefault((name, case), []).append(BATCH / max(cpu, 0.01))
    return results, per_cpu


async def pg_floor(url: str, skus: list[str], n: int) -> float:
    """Rows/s of `n` event rows inserted into the store's `events` with asyncpg executemany
    in one transaction, on one existing profile."""
    import asyncpg

    from hub.db import asyncpg_connect_args

    connection = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        owner = await connection.fetchrow("SELECT profile_id, id FROM identifiers LIMIT 1")
        at = datetime.now(UTC)
        rows = [
            (uuid.uuid4().hex, owner["profile_id"], owner["id"], "VIEW", "WEB", at, at,
             skus[i % len(skus)], None, None, "{}")
            for i in range(n)
        ]  # fmt: skip
        start = time.perf_counter()
        async with connection.transaction():
            await connection.executemany(
                "INSERT INTO events (message_id, profile_id, identifier_id, type, touchpoint, "
                "occurred_at, received_at, product_sku, quantity, price, properties) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)",
                rows,
            )
        return n / (time.perf_counter() - start)
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
