"""A profile read with ten picks, from several concurrent clients, against a running hub.

Usage: .venv/bin/python bench/picks_latency.py --url http://127.0.0.1:8000 --key $RAPPORT_WEB_KEY
       [--clients 4] [--requests 400] [--data ../shared/data/online_retail_ii_2009_2010.csv.gz]

Each request reads one customer of the store's data (CRM ids drawn with a fixed seed; the demo
store after `rapport-hub seed-demo`): identifiers, preferences, consents, 20 events and
`recommendations(touchpoint: WEB, first: 10)`, the read issue 14 asks to keep under 60 ms at the
95th percentile with 4 clients. Prints p50/p95/p99 and the throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.profile_read import PROFILE
from hub.catalog.demo_data import read_lines

DEMO = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"


async def client(
    http: httpx.AsyncClient, url: str, key: str, ids: list[str], took: list[float]
) -> None:
    for crm_id in ids:
        started = time.perf_counter()
        response = await http.post(
            f"{url}/graphql",
            json={"query": PROFILE, "variables": {"v": crm_id}},
            headers={"Authorization": f"Bearer {key}"},
        )
        took.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and "errors" not in response.json(), response.text


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--data", default=str(DEMO))
    args = parser.parse_args()
    customers = sorted({line.customer_id for line in read_lines(args.data)})
    rng = random.Random(14)
    ids = [rng.choice(customers) for _ in range(args.requests)]
    took: list[float] = []
    async with httpx.AsyncClient(timeout=30) as http:
        await client(http, args.url, args.key, ids[: args.clients], [])  # warm: model, caches
        started = time.perf_counter()
        share = len(ids) // args.clients
        await asyncio.gather(
            *(
                client(http, args.url, args.key, ids[i * share : (i + 1) * share], took)
                for i in range(args.clients)
            )
        )
        seconds = time.perf_counter() - started
    cuts = statistics.quantiles(took, n=100)
    print(
        f"{len(took)} reads, {args.clients} clients: p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms,"
        f" p99 {cuts[98]:.1f} ms, {len(took) / seconds:.1f} reads/s"
    )


if __name__ == "__main__":
    asyncio.run(main())
