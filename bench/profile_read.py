"""Profile read over GraphQL against a floor: the plain /healthz endpoint (one SELECT 1).

Usage: .venv/bin/python bench/profile_read.py [--requests 400]
Starts a real hub (uvicorn) on a fresh SQLite database seeded with tests/data's sample, then
times sequential requests from one client: the floor, a full profile read (identifiers,
preferences, consents, 20 events, 10 recommendations with products), and identify + track.
Prints medians and p95 and each as a ratio to the floor.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import print_ratios, timed
from hub.catalog.demo_data import read_lines
from tests.conftest import SAMPLE, prepare_database, start_hub, stop_hub

PROFILE = """query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) {
  id displayName identifiers { kind value } preferences { key value weight source reason }
  consents { purpose granted } recentEvents(first: 20) { type occurredAt summary }
  recommendations(touchpoint: WEB, first: 10) { product { sku name price } reason score } } }"""
TRACK = """mutation($e: [EventInput!]!) { track(events: $e) { accepted userErrors { code } } }"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    n = parser.parse_args().requests
    url = f"sqlite+aiosqlite:///{Path('/tmp') / ('bench-' + uuid.uuid4().hex[:8] + '.db')}"
    keys = prepare_database(url)
    hub = start_hub(url, keys)
    crm_ids = sorted({line.customer_id for line in read_lines(SAMPLE)})
    headers = {"Authorization": f"Bearer {keys['admin']}"}
    try:
        with httpx.Client(timeout=30) as client:

            def floor() -> None:
                client.get(f"{hub.url}/healthz").raise_for_status()

            counter = iter(range(10**9))

            def read() -> None:
                v = crm_ids[next(counter) % len(crm_ids)]
                r = client.post(
                    f"{hub.url}/graphql",
                    headers=headers,
                    json={"query": PROFILE, "variables": {"v": v}},
                )
                assert r.status_code == 200 and "errors" not in r.json(), r.text

            def track() -> None:
                v = crm_ids[next(counter) % len(crm_ids)]
                event = {
                    "messageId": uuid.uuid4().hex,
                    "type": "VIEW",
                    "touchpoint": "WEB",
                    "identifier": {"kind": "CRM_ID", "value": v},
                    "productSku": "85123A",
                }
                r = client.post(
                    f"{hub.url}/graphql",
                    headers=headers,
                    json={"query": TRACK, "variables": {"e": [event]}},
                )
                assert r.json()["data"]["track"]["accepted"] == 1, r.text

            for call in (floor, read, track):
                timed(30, call)  # warm-up
            results = {
                "plain /healthz (floor)": timed(n, floor),
                "profile read (GraphQL)": timed(n, read),
                "track 1 event (GraphQL)": timed(n, track),
            }
    finally:
        stop_hub(hub)
    print_ratios(results, "plain /healthz (floor)", 26)


if __name__ == "__main__":
    main()
