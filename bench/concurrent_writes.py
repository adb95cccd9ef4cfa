"""Writers at once on one SQLite hub: how long a small write waits behind the others.

Usage: .venv/bin/python bench/concurrent_writes.py [--seconds 10] [--writers 4] [--rounds 2]
       [--workers 1] [--baseline DIR]
Starts a real hub (uvicorn, `--workers` processes) on a fresh SQLite store seeded with tests/data's
sample, as the tests do, then for `--seconds` each:
  - `--writers` clients each sending small writes one after another, as kiosks and agents do
    (`track` of one VIEW for a sample customer by CRM id), as fast as they are answered;
  - half as many such clients beside one web client sending `track` batches of 1,000 new
    visitors' VIEWs with the web channel's key, as a web site does.
Printed per case: small writes a second with their p50 / p99 latency (from sending to the
answer), and the batches' events a second. With --baseline DIR (another version's code, e.g.
`git archive REV | tar -x -C DIR`), a second hub on a store of its own runs the same cases,
the two taking turns case by case and round by round, so both meet the same machine.

The hub's CPU is the ceiling here (the clients share the machine), so the writes a second
move little; what differs between versions is who waits how long for their turn.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import TRACK
from hub.catalog.demo_data import read_lines
from tests.conftest import SAMPLE, HubHandle, prepare_database, start_hub, stop_hub

BATCH = 1000


async def run_case(
    hub: HubHandle,
    keys: dict[str, str],
    writers: int,
    batches: bool,
    seconds: float,
    crm: list[str],
    skus: list[str],
) -> tuple[int, list[float], int]:
    """(small writes, their latencies in seconds, batch events) in `seconds`."""
    latencies: list[float] = []
    events = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=writers + 2)
    async with httpx.AsyncClient(base_url=hub.url, timeout=60, limits=limits) as client:

        async def small(k: int) -> None:
            i = k
            while time.perf_counter() < stop:
                event = {
                    "messageId": uuid.uuid4().hex,
                    "identifier": {"kind": "CRM_ID", "value": crm[i % len(crm)]},
                    "type": "VIEW",
                    "touchpoint": "KIOSK",
                    "productSku": skus[i % len(skus)],
                }
                began = time.perf_counter()
                r = await client.post(
                    "/graphql",
                    headers={"Authorization": f"Bearer {keys['admin']}"},
                    json={"query": TRACK, "variables": {"e": [event]}},
                )
                assert r.json()["data"]["track"]["accepted"] == 1, r.text
                latencies.append(time.perf_counter() - began)
                i += 7

        async def web() -> None:
            nonlocal events
            while time.perf_counter() < stop:
                batch = [
                    {
                        "messageId": uuid.uuid4().hex,
                        "identifier": {"kind": "ANONYMOUS_ID", "value": f"v-{uuid.uuid4().hex}"},
                        "type": "VIEW",
                        "touchpoint": "WEB",
                        "productSku": skus[j % len(skus)],
                    }
                    for j in range(BATCH)
                ]
                r = await client.post(
                    "/graphql",
                    headers={"Authorization": f"Bearer {keys['web']}"},
                    json={"query": TRACK, "variables": {"e": batch}},
                )
                assert r.json()["data"]["track"]["accepted"] == BATCH, r.text
                events += BATCH

        await asyncio.gather(*(small(k) for k in range(writers)), *([web()] if batches else []))
    return len(latencies), latencies, events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="hub processes (serve --workers)")
    parser.add_argument("--baseline", help="another version's code: its hub runs beside")
    parser.add_argument("--workdir", default=None, help="where the stores go (a temp dir)")
    args = parser.parse_args()
    workdir = Path(args.workdir or f"/tmp/rapport-writes-{uuid.uuid4().hex[:8]}")
    workdir.mkdir(parents=True, exist_ok=True)
    lines = list(read_lines(SAMPLE))
    crm = sorted({line.customer_id for line in lines})
    skus = sorted({line.sku for line in lines})
    versions = {"this": {}} | ({"baseline": {"PYTHONPATH": args.baseline}} if args.baseline else {})
    hubs: dict[str, tuple[HubHandle, dict[str, str]]] = {}
    try:
        for name, env in versions.items():
            url = f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
            with mock.patch.dict(os.environ, env):  # each version makes its own schema
                keys = prepare_database(url)
            hubs[name] = (start_hub(url, keys, workers=args.workers, **env), keys)
        cases = [(args.writers, False), (max(1, args.writers // 2), True)]
        results: dict[tuple[str, int, bool], list[tuple[int, list[float], int]]] = {}
        for round_ in range(args.rounds):
            for writers, batches in cases:
                order = list(hubs) if round_ % 2 == 0 else list(reversed(hubs))
                for name in order:
                    hub, keys = hubs[name]
                    outcome = asyncio.run(
                        run_case(hub, keys, writers, batches, args.seconds, crm, skus)
                    )
                    results.setdefault((name, writers, batches), []).append(outcome)
        print(
            "| version | case | round | small writes/s | p50 ms | p99 ms | batch events/s |\n"
            "|---|---|---|---|---|---|---|"
        )
        for (name, writers, batches), outcomes in results.items():
            case = f"{writers} small writers" + (" + web batches" if batches else "")
            for round_, (n, latencies, events) in enumerate(outcomes, 1):
                cuts = statistics.quantiles(latencies, n=100)
                print(
                    f"| {name} | {case} | {round_} | {n / args.seconds:,.0f} | "
                    f"{1000 * cuts[49]:.1f} | {1000 * cuts[98]:.1f} | "
                    f"{events / args.seconds:,.0f} |"
                )
    finally:
        for hub, _ in hubs.values():
            stop_hub(hub)


if __name__ == "__main__":
    main()
