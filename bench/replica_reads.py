"""Profile-read throughput of one hub: reading from the primary only, against reading from a hot
standby (writes and the change feed stay on the primary), side by side in one run.

Usage: .venv/bin/python bench/replica_reads.py [--seconds 15] [--clients 8] [--rounds 2]
Starts `scripts/cluster --seed tests/data/retail_sample.csv.gz` (a PostgreSQL 15 primary and a
streaming hot standby on this machine), then two more hubs on it: one with no
RAPPORT_READ_DATABASE_URLS (every read on the primary) and one reading from the standby. Each
is driven in turn, for `--seconds`, by `--clients` concurrent clients sending the full profile
read of bench/profile_read.py (identifiers, preferences, consents, 20 events, 10
recommendations) for the sample's customers; the two alternate for `--rounds` rounds. Prints
requests per second and latency per round, then the totals.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.profile_read import PROFILE
from hub.catalog.demo_data import read_lines
from tests.conftest import NO_TRAINING, SAMPLE, HubHandle, start_hub, stop_hub
from tests.replicas.test_cluster import Cluster


async def drive(hub: HubHandle, crm_ids: list[str], seconds: float, clients: int) -> list[float]:
    """Milliseconds of every read answered within `seconds` by `clients` concurrent clients."""
    samples: list[float] = []
    headers = {"Authorization": f"Bearer {hub.admin_key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        deadline = time.perf_counter() + seconds

        async def one_client(offset: int) -> None:
            n = offset
            while time.perf_counter() < deadline:
                v = crm_ids[n % len(crm_ids)]
                n += clients
                start = time.perf_counter()
                r = await client.post(
                    f"{hub.url}/graphql",
                    headers=headers,
                    json={"query": PROFILE, "variables": {"v": v}},
                )
                assert r.status_code == 200 and "errors" not in r.json(), r.text
                samples.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(one_client(i) for i in range(clients)))
    return samples


def standby_reads(hub: HubHandle) -> int:
    headers = {"Authorization": f"Bearer {hub.admin_key}"}
    for line in httpx.get(f"{hub.url}/metrics", headers=headers, timeout=5).text.splitlines():
        if line.startswith("rapport_standby_reads_total"):
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    crm_ids = sorted({line.customer_id for line in read_lines(SAMPLE)})
    cluster = Cluster()
    hubs: dict[str, HubHandle] = {}
    try:
        keys = {c: cluster.info[f"key-{c}"] for c in ("web", "kiosk", "callcenter", "admin")}
        primary = cluster.info["primary"]
        hubs["primary only"] = start_hub(primary, keys, **NO_TRAINING)
        hubs["primary + standby"] = start_hub(
            primary,
            keys,
            RAPPORT_READ_DATABASE_URLS=cluster.info["standby"],
            **NO_TRAINING,
        )
        for hub in hubs.values():  # warm-up: caches, pools, the model
            asyncio.run(drive(hub, crm_ids, 3, args.clients))
        results: dict[str, list[tuple[int, float, list[float]]]] = {name: [] for name in hubs}
        print(f"{args.clients} clients, {args.seconds:.0f} s a round")
        print(f"{'round':6} {'reads from':18} {'reads/s':>8} {'median ms':>10} {'p95 ms':>8}")
        for round_number in range(1, args.rounds + 1):
            for name, hub in hubs.items():
                before = standby_reads(hub)
                started = time.perf_counter()
                samples = asyncio.run(drive(hub, crm_ids, args.seconds, args.clients))
                elapsed = time.perf_counter() - started
                served = standby_reads(hub) - before
                results[name].append((len(samples), elapsed, samples))
                p95 = statistics.quantiles(samples, n=20)[18]
                note = f"  ({served} on the standby)" if served else ""
                print(
                    f"{round_number:<6} {name:18} {len(samples) / elapsed:8.1f} "
                    f"{statistics.median(samples):10.2f} {p95:8.2f}{note}"
                )
        print()
        rates = {}
        for name, runs in results.items():
            rates[name] = sum(n for n, _, _ in runs) / sum(t for _, t, _ in runs)
            everything = [s for _, _, samples in runs for s in samples]
            print(
                f"{'all':6} {name:18} {rates[name]:8.1f} "
                f"{statistics.median(everything):10.2f} "
                f"{statistics.quantiles(everything, n=20)[18]:8.2f}"
            )
        ratio = rates["primary + standby"] / rates["primary only"]
        print(f"primary + standby ÷ primary only: {ratio:.2f}×")
    finally:
        for hub in hubs.values():
            stop_hub(hub)
        cluster.stop()


if __name__ == "__main__":
    main()
