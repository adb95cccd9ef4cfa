"""A one-event write, as a kiosk or an agent's desktop sends it: what it costs the hub.

Usage: .venv/bin/python bench/small_writes.py [--writes 1000] [--rounds 2] [--postgres]
       [--baseline DIR]
Starts a real hub (uvicorn, one process) on a fresh SQLite store (with --postgres: a database
on a throw-away PostgreSQL 15 server, tests/pg.py) seeded with tests/data's sample, then sends
`track` of one VIEW for a sample customer by CRM id, one write after another from one client,
`--writes` a round. Printed per round: the write's p50 / p99 (from sending to the answer) and
the hub's CPU a write (all its threads, `bench.drive.cpu_seconds`; on SQLite that includes
the database's own work, on PostgreSQL the server's is not in it). The floor beside it is the
data work itself: the statements SQLite spends on such a write are ~0.5 ms (docs/performance.md,
"A single small write's CPU"). With --baseline DIR (another version's code, e.g. `git archive
REV | tar -x -C DIR`) a second hub on a store of its own takes the same writes, the two taking
turns round by round (who goes first alternates), and the ratios this ÷ baseline are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.drive import cpu_seconds
from bench.ingest import TRACK
from hub.catalog.demo_data import read_lines
from tests.conftest import SAMPLE, HubHandle, prepare_database, start_hub, stop_hub


def one_round(hub: HubHandle, key: str, writes: int, crm: list[str], skus: list[str]) -> tuple:
    """(p50 ms, p99 ms, hub CPU ms a write) of `writes` one-event writes."""
    latencies = []
    with httpx.Client(base_url=hub.url, timeout=60) as client:
        before = cpu_seconds(hub.process.pid)
        for i in range(writes):
            event = {
                "messageId": uuid.uuid4().hex,
                "identifier": {"kind": "CRM_ID", "value": crm[i % len(crm)]},
                "type": "VIEW",
                "touchpoint": "KIOSK",
                "productSku": skus[(i * 7) % len(skus)],
            }
            began = time.perf_counter()
            r = client.post(
                "/graphql",
                headers={"Authorization": f"Bearer {key}"},
                json={"query": TRACK, "variables": {"e": [event]}},
            )
            latencies.append(time.perf_counter() - began)
            assert r.json()["data"]["track"]["accepted"] == 1, r.text
        cpu = cpu_seconds(hub.process.pid) - before
    cuts = statistics.quantiles(latencies, n=100)
    return 1000 * cuts[49], 1000 * cuts[98], 1000 * cpu / writes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--baseline", help="another version's code: its hub runs beside")
    args = parser.parse_args()
    lines = list(read_lines(SAMPLE))
    crm = sorted({line.customer_id for line in lines})
    skus = sorted({line.sku for line in lines})
    versions = {"this": {}} | ({"baseline": {"PYTHONPATH": args.baseline}} if args.baseline else {})
    server = None
    if args.postgres:
        from tests.pg import PostgresServer

        server = PostgresServer().start()
    workdir = Path(f"/tmp/rapport-small-writes-{uuid.uuid4().hex[:8]}")
    workdir.mkdir(parents=True)
    hubs: dict[str, tuple[HubHandle, str]] = {}
    try:
        for name, env in versions.items():
            if server is not None:
                url = server.create_database(f"small_{name}_{uuid.uuid4().hex[:6]}")
            else:
                url = f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
            with mock.patch.dict(os.environ, env):  # each version makes its own schema
                keys = prepare_database(url)
            hubs[name] = (start_hub(url, keys, **env), keys["admin"])
        for hub, key in hubs.values():  # warm: plans, caches, the pool
            one_round(hub, key, 50, crm, skus)
        results: dict[str, list[tuple]] = {name: [] for name in hubs}
        for round_ in range(args.rounds):
            order = list(hubs) if round_ % 2 == 0 else list(reversed(hubs))
            for name in order:
                hub, key = hubs[name]
                results[name].append(one_round(hub, key, args.writes, crm, skus))
        store = "PostgreSQL" if server is not None else "SQLite"
        print(f"{args.writes} one-event writes a round, one client, {store}\n")
        print("| version | round | p50 ms | p99 ms | hub CPU ms a write |\n|---|---|---|---|---|")
        for name, rounds in results.items():
            for n, (p50, p99, cpu) in enumerate(rounds, 1):
                print(f"| {name} | {n} | {p50:.2f} | {p99:.2f} | {cpu:.2f} |")
        if "baseline" in results:
            this = [statistics.median(r[i] for r in results["this"]) for i in range(3)]
            base = [statistics.median(r[i] for r in results["baseline"]) for i in range(3)]
            print(
                f"\nthis ÷ baseline (medians of the rounds): p50 {this[0] / base[0]:.2f}, "
                f"p99 {this[1] / base[1]:.2f}, hub CPU {this[2] / base[2]:.2f}"
            )
    finally:
        for hub, _ in hubs.values():
            stop_hub(hub)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
