"""Batch ingest over GraphQL (`track`, 1,000 events a request) against a raw-insert floor.

Usage: .venv/bin/python bench/ingest.py [--batches 5] [--postgres]
Starts a real hub (uvicorn) on a fresh SQLite database (with --postgres: a database on a
throw-away PostgreSQL 15 server, tests/pg.py) seeded with tests/data's sample, then
sends batches of 1,000 VIEW events from one client:
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

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import executemany_floor, print_rates
from hub.catalog.demo_data import read_lines
from tests.conftest import SAMPLE, prepare_database, start_hub, stop_hub

TRACK = "mutation($e: [EventInput!]!) { track(events: $e) { accepted userErrors { code } } }"
BATCH = 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    batches = args.batches
    path = Path("/tmp") / f"bench-{uuid.uuid4().hex[:8]}.db"
    url = f"sqlite+aiosqlite:///{path}"
    server = None
    if args.postgres:
        from tests.pg import PostgresServer

        server = PostgresServer().start()
        url = server.create_database("ingest")
    keys = prepare_database(url)
    hub = start_hub(url, keys)
    assert hub.process is not None
    pid = hub.process.pid
    lines = list(read_lines(SAMPLE))
    crm_ids = sorted({line.customer_id for line in lines})
    skus = sorted({line.sku for line in lines})
    headers = {"Authorization": f"Bearer {keys['admin']}"}

    def known(i: int) -> dict[str, str]:
        return {"kind": "CRM_ID", "value": crm_ids[i % len(crm_ids)]}

    def visitor(i: int) -> dict[str, str]:
        return {"kind": "ANONYMOUS_ID", "value": f"bench-{uuid.uuid4().hex}"}

    results: dict[str, list[float]] = {}
    per_cpu: dict[str, list[float]] = {}
    try:
        with httpx.Client(timeout=600) as client:
            for name, who, mixed in (
                ("known customers", known, False),
                ("new visitors", visitor, False),
                ("known, ⅓ purchases", known, True),
            ):
                rates, cpu_rates = [], []
                for _ in range(batches):
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
                    cpu = hub_cpu(pid)
                    start = time.perf_counter()
                    response = client.post(
                        f"{hub.url}/graphql",
                        headers=headers,
                        json={"query": TRACK, "variables": {"e": events}},
                    )
                    elapsed = time.perf_counter() - start
                    cpu = hub_cpu(pid) - cpu
                    assert response.json()["data"]["track"]["accepted"] == BATCH, response.text
                    rates.append(BATCH / elapsed)
                    cpu_rates.append(BATCH / max(cpu, 0.01))
                results[name] = rates
                per_cpu[name] = cpu_rates
    finally:
        stop_hub(hub)

    if server is not None:
        try:
            floor = statistics.median(
                asyncio.run(pg_floor(url, skus, BATCH)) for _ in range(batches)
            )
        finally:
            server.stop()
    else:
        with sqlite3.connect(path) as raw:
            floor = statistics.median(executemany_floor(raw, skus, BATCH) for _ in range(batches))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
    print_rates(
        floor,
        {f"track, 1,000 from {name}": statistics.median(s) for name, s in results.items()},
        floor_name="asyncpg executemany (floor)" if server is not None else None,
    )
    print(f"{'':38} {'events per hub CPU-second':>26}")
    for name, cpu_rates in per_cpu.items():
        print(f"{f'track, 1,000 from {name}':38} {statistics.median(cpu_rates):26,.0f}")


def hub_cpu(pid: int) -> float:
    """Seconds of CPU (user + system, all threads) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
