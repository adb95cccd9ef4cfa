"""Segment membership, next best actions and a segment export, each against a floor.

Usage: .venv/bin/python bench/segments.py [--requests 200] [--database PATH]
Starts a real hub (uvicorn) on a fresh SQLite database seeded with tests/data's sample (which
brings the demo store's five segments and offers) — or on a copy of PATH, e.g. a full demo
store made by `rapport-hub seed-demo` — then times from one client:
  - the floor: a plain profile read (id, displayName) over GraphQL;
  - Profile.segments (all five demo segments evaluated, with reasons);
  - nextBestActions (returns, registries, offers for segments, two picks, consent, data quality);
  - exportSegment "Big spenders" (ANALYTICS, JSON) over every profile, against a raw SQL floor:
    the same spend sums in one GROUP BY with the stdlib sqlite3 module.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import print_ratios, timed
from hub.catalog.demo_data import read_lines
from tests.conftest import SAMPLE, prepare_database, start_hub, stop_hub

PLAIN = """query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) {
  id displayName } }"""
SEGMENTS = """query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) {
  id displayName segments { segment { id name } reason } } }"""
ACTIONS = """query($id: ID!) { nextBestActions(profileId: $id) { id kind title reason } }"""
EXPORT = """mutation($id: ID!) { exportSegment(segmentId: $id, purpose: ANALYTICS, format: JSON) {
  count data userErrors { code } } }"""
RAW_SPEND = """select profile_id, sum(case when type = 'RETURN' then -1 else 1 end
  * coalesce(price, 0) * abs(coalesce(quantity, 1))) from events
  where type in ('PURCHASE', 'RETURN') group by profile_id"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", type=Path, help="a seeded SQLite store to copy")
    args = parser.parse_args()
    n = args.requests
    path = Path("/tmp") / f"bench-{uuid.uuid4().hex[:8]}.db"
    if args.database:
        with sqlite3.connect(args.database) as source, sqlite3.connect(path) as copy:
            source.backup(copy)
    url = f"sqlite+aiosqlite:///{path}"
    keys = prepare_database(url)  # on a copy of a demo store: adds only keys and the agent
    hub = start_hub(url, keys)
    crm_ids = sorted({line.customer_id for line in read_lines(SAMPLE)})
    headers = {"Authorization": f"Bearer {keys['admin']}"}
    try:
        with httpx.Client(timeout=120) as client:

            def gql(query: str, variables: dict[str, str]) -> dict:  # type: ignore[type-arg]
                r = client.post(
                    f"{hub.url}/graphql",
                    headers=headers,
                    json={"query": query, "variables": variables},
                )
                body = r.json()
                assert r.status_code == 200 and "errors" not in body, r.text
                return body["data"]  # type: ignore[no-any-return]

            ids = [gql(PLAIN, {"v": v})["profile"]["id"] for v in crm_ids]
            counter = iter(range(10**9))

            def plain() -> None:
                gql(PLAIN, {"v": crm_ids[next(counter) % len(crm_ids)]})

            def segments() -> None:
                gql(SEGMENTS, {"v": crm_ids[next(counter) % len(crm_ids)]})

            def actions() -> None:
                gql(ACTIONS, {"id": ids[next(counter) % len(ids)]})

            for call in (plain, segments, actions):
                timed(20, call)
            results = {
                "profile read, plain (floor)": timed(n, plain),
                "+ segments (5 rules)": timed(n, segments),
                "nextBestActions": timed(n, actions),
            }
            memberships = sum(
                len(gql(SEGMENTS, {"v": v})["profile"]["segments"]) for v in crm_ids[:200]
            )
            big = next(
                s["id"]
                for s in gql("{ segments { id name } }", {})["segments"]
                if s["name"] == "Big spenders"
            )
            exports = timed(5, lambda: gql(EXPORT, {"id": big}))
            exported = gql(EXPORT, {"id": big})["exportSegment"]["count"]
            profiles = len(ids)
    finally:
        stop_hub(hub)
    with sqlite3.connect(path) as raw:
        profiles_stored = raw.execute(
            "select count(*) from profiles where merged_into_id is null"
        ).fetchone()[0]
        floor_export = timed(5, lambda: raw.execute(RAW_SPEND).fetchall())

    print_ratios(results, "profile read, plain (floor)")
    print(f"(the first 200 customers are in {memberships} demo segments between them)")
    export_ms = statistics.median(exports)
    raw_ms = statistics.median(floor_export)
    print(
        f"\nexportSegment 'Big spenders' over {profiles_stored} live profiles "
        f"({profiles} sample customers, {exported} members): {export_ms:.0f} ms median of 5, "
        f"{profiles_stored / export_ms * 1000:,.0f} profiles/s; raw sqlite3 GROUP BY of the same "
        f"sums: {raw_ms:.1f} ms; ratio {export_ms / raw_ms:.1f}×"
    )
    path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
