"""How long a change takes from a write to a subscriber's `profileChanged`, side by side in one
run: one hub on SQLite (in-process broker), two hub processes on one SQLite file (write on A,
subscriber on B, through the change journal, as between `serve --workers N`'s processes), one
hub on PostgreSQL (write and subscriber on the same hub, through LISTEN/NOTIFY), and two hubs
on one PostgreSQL (write on A, subscriber on B).

Usage: .venv/bin/python bench/fanout_latency.py [--writes 300] [--subscribers 1,20] [--rounds 2]
       [--burst 600] [--writers 4] [--flood 5000]
Seeds a fresh SQLite file and a database on a throw-away PostgreSQL server (tests/pg.py) with
tests/data/retail_sample.csv.gz, as the tests do; starts two hubs on each.
Each subscriber is an agent's own graphql-transport-ws socket (a callcenter agent's token)
subscribed to a different sample customer; the write is what a kiosk sends for a shopper who
scans a loyalty card linked to that customer: `track` of one VIEW with the kiosk key. The
writes go one at a time, round robin over the subscribed profiles, a `--pause` apart.
Latency is from sending the mutation to receiving its change on the socket (the whole path,
the write included); the write's own HTTP round trip is shown beside it, and the fan-out part
is the difference, write by write. Configurations and subscriber counts alternate, round by
round. Then, per configuration: `--burst` writes from `--writers` concurrent kiosks as fast as
the hub takes them, every change counted at the subscribers (all there, in version order);
and on PostgreSQL a flood of `--flood` raw NOTIFYs straight into the channel, the ceiling of
the listening hub's fan-out with no write path in front. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.broker import CHANNEL
from hub.catalog.demo_data import read_lines
from tests.conftest import NO_TRAINING, SAMPLE, HubHandle, prepare_database, start_hub, stop_hub
from tests.pg import PostgresServer

SUBSCRIBE = "subscription($id: ID!) { profileChanged(profileId: $id) { profileId version kind } }"
IDENTIFY = """mutation($i: IdentifyInput!) { identify(input: $i) {
  profile { id } userErrors { code message } } }"""
TRACK = """mutation($e: [EventInput!]!) { track(events: $e) {
  accepted userErrors { code message } } }"""


@dataclass
class Setup:
    name: str
    writer: HubHandle
    reader: HubHandle
    profiles: list[tuple[str, str]]  # (profile id, loyalty card) of sample customers
    sku: str
    dsn: str | None = None  # PostgreSQL: where to send the raw NOTIFY flood
    token: str = ""


@dataclass
class Feed:
    """One subscription on a socket of its own; changes queue up with their arrival time."""

    ws: ClientConnection
    profile_id: str
    loyalty: str
    changes: asyncio.Queue[tuple[float, int]] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None

    async def read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                change = message["payload"]["data"]["profileChanged"]
                self.changes.put_nowait((time.perf_counter(), int(change["version"])))
            elif message["type"] != "pong":
                raise RuntimeError(f"unexpected message: {message}")


async def open_feeds(setup: Setup, n: int, client: httpx.AsyncClient) -> list[Feed]:
    feeds = []
    for profile_id, loyalty in setup.profiles[:n]:
        ws = await connect(setup.reader.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")])
        init = {"authorization": f"Bearer {setup.token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        payload = {"query": SUBSCRIBE, "variables": {"id": profile_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        feed = Feed(ws, profile_id, loyalty)
        feed.task = asyncio.create_task(feed.read())
        feeds.append(feed)
    # The broker registers a subscription once its feed is first awaited: a write per profile,
    # repeated until its change arrives, says every subscription is live.
    for feed in feeds:
        for _ in range(10):
            await write(setup, feed.loyalty, client)
            try:
                await asyncio.wait_for(feed.changes.get(), 1.0)
                break
            except TimeoutError:
                continue
        else:
            raise RuntimeError(f"subscription to {feed.profile_id} never went live")
    await asyncio.sleep(0.5)
    for feed in feeds:  # a late echo of a retried warm-up write
        while not feed.changes.empty():
            feed.changes.get_nowait()
    return feeds


async def close_feeds(feeds: list[Feed]) -> None:
    for feed in feeds:
        await feed.ws.close()
        if feed.task is not None:
            feed.task.cancel()
            await asyncio.gather(feed.task, return_exceptions=True)


async def write(setup: Setup, loyalty: str, client: httpx.AsyncClient) -> None:
    """A kiosk's `track` of one VIEW for the shopper with this loyalty card."""
    event = {
        "messageId": uuid.uuid4().hex,
        "identifier": {"kind": "LOYALTY_ID", "value": loyalty},
        "type": "VIEW",
        "touchpoint": "KIOSK",
        "productSku": setup.sku,
    }
    r = await client.post(
        f"{setup.writer.url}/graphql",
        headers={"Authorization": f"Bearer {setup.writer.kiosk_key}"},
        json={"query": TRACK, "variables": {"e": [event]}},
    )
    body = r.json()
    assert r.status_code == 200 and body["data"]["track"]["accepted"] == 1, r.text


@dataclass
class Latency:
    http: list[float] = field(default_factory=list)
    e2e: list[float] = field(default_factory=list)
    fanout: list[float] = field(default_factory=list)
    lost: int = 0
    disorder: int = 0
    stray: int = 0


async def latency(setup: Setup, n: int, writes: int, pause: float, out: Latency) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        feeds = await open_feeds(setup, n, client)
        last = {feed.profile_id: 0 for feed in feeds}
        try:
            for k in range(writes):
                feed = feeds[k % n]
                start = time.perf_counter()
                await write(setup, feed.loyalty, client)
                answered = time.perf_counter()
                try:
                    arrived, version = await asyncio.wait_for(feed.changes.get(), 5)
                except TimeoutError:
                    out.lost += 1
                    continue
                out.disorder += version <= last[feed.profile_id]
                last[feed.profile_id] = version
                out.http.append((answered - start) * 1000)
                out.e2e.append((arrived - start) * 1000)
                out.fanout.append((arrived - answered) * 1000)
                await asyncio.sleep(pause)
            await asyncio.sleep(0.3)
            out.stray += sum(feed.changes.qsize() for feed in feeds)
        finally:
            await close_feeds(feeds)


async def collect(
    feeds: list[Feed], expected: dict[str, int], wait: float
) -> tuple[int, str, float]:
    """(changes received, "older / repeated" versions after a newer one, when the last
    arrived) once every feed has its `expected` count or `wait` seconds have gone by; extra
    ones count too."""
    deadline = time.perf_counter() + wait
    got: dict[str, list[tuple[float, int]]] = {feed.profile_id: [] for feed in feeds}
    for feed in feeds:
        while len(got[feed.profile_id]) < expected[feed.profile_id]:
            try:
                left = max(0.01, deadline - time.perf_counter())
                got[feed.profile_id].append(await asyncio.wait_for(feed.changes.get(), left))
            except TimeoutError:
                break
    await asyncio.sleep(0.3)
    extra = sum(feed.changes.qsize() for feed in feeds)
    pairs = [(a[1], b[1]) for c in got.values() for a, b in itertools.pairwise(c)]
    order = f"{sum(a > b for a, b in pairs)} / {sum(a == b for a, b in pairs)}"
    last = max((c[-1][0] for c in got.values() if c), default=time.perf_counter())
    return sum(len(c) for c in got.values()) + extra, order, last


async def burst(setup: Setup, n: int, writes: int, writers: int) -> str:
    """Writes from concurrent kiosks as fast as they are answered; every change counted."""
    async with httpx.AsyncClient(timeout=60) as client:
        feeds = await open_feeds(setup, n, client)
        try:
            expected = {feed.profile_id: 0 for feed in feeds}
            for k in range(writes):
                expected[feeds[k % n].profile_id] += 1
            counter = iter(range(writes))

            async def kiosk() -> None:
                for k in counter:
                    await write(setup, feeds[k % n].loyalty, client)

            start = time.perf_counter()
            await asyncio.gather(*(kiosk() for _ in range(writers)))
            elapsed = time.perf_counter() - start
            got, order, _ = await collect(feeds, expected, 30)
        finally:
            await close_feeds(feeds)
    return (
        f"| {setup.name} | `track`, {writers} concurrent kiosks | {n} | {writes / elapsed:,.0f} "
        f"writes/s | {got:,} of {writes:,} | {order} |"
    )


async def flood(setup: Setup, n: int, changes: int) -> str:
    """Raw NOTIFYs (100 a transaction) straight into the channel: the listening hub's fan-out
    with no write path in front of it."""
    assert setup.dsn is not None
    async with httpx.AsyncClient(timeout=30) as client:
        feeds = await open_feeds(setup, n, client)
    try:
        expected = {feed.profile_id: 0 for feed in feeds}
        payloads = []
        for k in range(changes):
            feed = feeds[k % n]
            expected[feed.profile_id] += 1
            change = {
                "profile_id": feed.profile_id,
                "version": 10**6 + k,
                "touchpoint": "KIOSK",
                "kind": "EVENTS",
                "summary": "flood",
            }
            payloads.append(json.dumps(change))
        connection = await asyncpg.connect(setup.dsn)
        start = time.perf_counter()
        try:
            for i in range(0, changes, 100):
                await connection.execute(
                    "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
                    CHANNEL,
                    payloads[i : i + 100],
                )
        finally:
            await connection.close()
        sent = time.perf_counter() - start
        got, order, last = await collect(feeds, expected, 60)
    finally:
        await close_feeds(feeds)
    rate = got / max(last - start, sent)
    return (
        f"| {setup.name} | raw NOTIFY flood ({changes / sent:,.0f}/s sent) | {n} | "
        f"{rate:,.0f} changes/s delivered | {got:,} of {changes:,} | {order} |"
    )


def pct(samples: list[float], *ps: int) -> str:
    if len(samples) < 2:
        return "—"
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return " / ".join(f"{cuts[p - 1]:.1f}" for p in ps)


def prepare(url: str, hubs: int) -> tuple[list[HubHandle], list[tuple[str, str]], str]:
    """Seed the database, start `hubs` hubs, and link a loyalty card to 50 sample customers."""
    keys = prepare_database(url)
    handles = [start_hub(url, keys, **NO_TRAINING) for _ in range(hubs)]
    first = handles[0]
    crm_ids = sorted({line.customer_id for line in read_lines(SAMPLE)})[:50]
    profiles = []
    for crm in crm_ids:
        loyalty = f"FAN{crm}"
        body = first.gql(
            IDENTIFY,
            {
                "i": {
                    "identifiers": [
                        {"kind": "CRM_ID", "value": crm},
                        {"kind": "LOYALTY_ID", "value": loyalty},
                    ],
                    "touchpoint": "KIOSK",
                }
            },
        )
        assert "errors" not in body and not body["data"]["identify"]["userErrors"], body
        profiles.append((body["data"]["identify"]["profile"]["id"], loyalty))
    skus = first.gql("{ products(first: 1) { sku } }")["data"]["products"]
    return handles, profiles, skus[0]["sku"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--subscribers", default="1,20")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between writes")
    parser.add_argument("--burst", type=int, default=600)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--flood", type=int, default=5000)
    args = parser.parse_args()
    counts = [int(n) for n in args.subscribers.split(",")]
    assert max(counts) <= 50, "at most 50 subscribed profiles"
    server = PostgresServer().start()
    hubs: list[HubHandle] = []
    try:
        started = time.perf_counter()
        sqlite_url = f"sqlite+aiosqlite:///{server.base / 'fanout.db'}"
        (lite, lite_b), lite_profiles, lite_sku = prepare(sqlite_url, 2)
        pg_url = server.create_database("fanout")
        (hub_a, hub_b), pg_profiles, pg_sku = prepare(pg_url, 2)
        hubs = [lite, lite_b, hub_a, hub_b]
        dsn = pg_url.replace("postgresql+asyncpg://", "postgresql://")
        setups = [
            Setup("SQLite, one hub", lite, lite, lite_profiles, lite_sku),
            # Two processes on one file, as `serve --workers 2` runs (the change journal).
            Setup("SQLite, write on A → subscriber on B", lite, lite_b, lite_profiles, lite_sku),
            Setup("PostgreSQL, one hub", hub_a, hub_a, pg_profiles, pg_sku, dsn),
            Setup(
                "PostgreSQL, write on A → subscriber on B", hub_a, hub_b, pg_profiles, pg_sku, dsn
            ),
        ]
        for setup in setups:
            setup.token = setup.reader.agent_token()
        print(f"set up in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        results = {(s.name, n): Latency() for s in setups for n in counts}
        for round_number in range(args.rounds):
            turn = round_number % len(setups)
            for setup in setups[turn:] + setups[:turn]:
                for n in counts if round_number % 2 == 0 else counts[::-1]:
                    out = results[(setup.name, n)]
                    before = len(out.e2e)
                    asyncio.run(latency(setup, n, args.writes, args.pause, out))
                    print(
                        f"round {round_number + 1}: {setup.name}, {n} subscribers: "
                        f"p50/p99 {pct(out.e2e[before:], 50, 99)} ms",
                        file=sys.stderr,
                    )
        print(
            f"\n{args.writes} writes × {args.rounds} rounds per row, one at a time, "
            f"{args.pause * 1000:.0f} ms apart; ms\n"
        )
        print(
            "| configuration | subscribers | write HTTP p50 / p95 / p99 "
            "| write → profileChanged p50 / p95 / p99 | fan-out (change after the response) "
            "p50 / p95 / p99 | lost / out of order / stray |"
        )
        print("|---|---|---|---|---|---|")
        for (name, n), out in results.items():
            print(
                f"| {name} | {n} | {pct(out.http, 50, 95, 99)} | {pct(out.e2e, 50, 95, 99)} | "
                f"{pct(out.fanout, 50, 95, 99)} | {out.lost} / {out.disorder} / {out.stray} |"
            )
        print(
            "\n| configuration | load | subscribers | rate | changes received "
            "| older / repeated version |"
        )
        print("|---|---|---|---|---|---|")
        top = max(counts)
        for setup in setups:
            print(asyncio.run(burst(setup, top, args.burst, args.writers)))
        for setup in setups:
            if setup.dsn is not None:
                print(asyncio.run(flood(setup, top, args.flood)))
    finally:
        for hub in hubs:
            stop_hub(hub)
        server.stop()


if __name__ == "__main__":
    main()
