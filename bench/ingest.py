"""Batch ingest over GraphQL (`track`, 1,000 events a request) against a raw-insert floor.

Usage: .venv/bin/python bench/ingest.py [--batches 5]
Starts a real hub (uvicorn) on a fresh SQLite database seeded with tests/data's sample, then
sends batches of 1,000 VIEW events from one client:
  - from known customers (the sample's CRM ids: resolution finds them, learning updates them);
  - from 1,000 new visitors per batch (a new ANONYMOUS_ID each: a profile and an identifier
    are created for every one);
  - from known customers, every third event a PURCHASE with quantity and price.
Floor: the same number of rows inserted with the stdlib sqlite3 module's executemany into a
table of the events' shape, one commit per batch (no validation, resolution or learning).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
import uuid
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
    batches = parser.parse_args().batches
    path = Path("/tmp") / f"bench-{uuid.uuid4().hex[:8]}.db"
    url = f"sqlite+aiosqlite:///{path}"
    keys = prepare_database(url)
    hub = start_hub(url, keys)
    lines = list(read_lines(SAMPLE))
    crm_ids = sorted({line.customer_id for line in lines})
    skus = sorted({line.sku for line in lines})
    headers = {"Authorization": f"Bearer {keys['admin']}"}

    def known(i: int) -> dict[str, str]:
        return {"kind": "CRM_ID", "value": crm_ids[i % len(crm_ids)]}

    def visitor(i: int) -> dict[str, str]:
        return {"kind": "ANONYMOUS_ID", "value": f"bench-{uuid.uuid4().hex}"}

    results: dict[str, list[float]] = {}
    try:
        with httpx.Client(timeout=600) as client:
            for name, who, mixed in (
                ("known customers", known, False),
                ("new visitors", visitor, False),
                ("known, ⅓ purchases", known, True),
            ):
                rates = []
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
                    start = time.perf_counter()
                    response = client.post(
                        f"{hub.url}/graphql",
                        headers=headers,
                        json={"query": TRACK, "variables": {"e": events}},
                    )
                    elapsed = time.perf_counter() - start
                    assert response.json()["data"]["track"]["accepted"] == BATCH, response.text
                    rates.append(BATCH / elapsed)
                results[name] = rates
    finally:
        stop_hub(hub)

    with sqlite3.connect(path) as raw:
        floor = statistics.median(executemany_floor(raw, skus, BATCH) for _ in range(batches))
    path.unlink(missing_ok=True)
    print_rates(
        floor,
        {f"track, 1,000 from {name}": statistics.median(s) for name, s in results.items()},
    )


if __name__ == "__main__":
    main()
