"""Where one PostgreSQL primary stops being enough (issue 13, docs/scaling.md): how much of the
primary a hub's write costs, with one and with two hubs writing, and how LISTEN/NOTIFY behaves
as the number of listening connections grows.

Usage: .venv/bin/python bench/primary_ceiling.py [--seconds 20] [--writers 8]
       [--listeners 1,10,50,100] [--notifies 2000]

Starts a throw-away PostgreSQL 15 (tests/pg.py; fsync off, as in the tests: say so when you
quote a figure) seeded with tests/data's sample, and two hubs on it (tests/conftest.py).

1. **Writes.** `--writers` concurrent kiosks send `track` of one VIEW each (the commonest write:
   an event, a learned interest, the profile's version, its change feed NOTIFY) round robin
   over 50 sample customers for `--seconds`, first all through hub A, then spread over A and
   B, alternating twice. Beside writes/s, the CPU seconds the PostgreSQL server's processes
   and the hubs' processes used in the window (/proc, utime + stime), so the primary's CPU per
   write and from it the writes/s one primary core would carry if the hubs were not the limit.
2. **Listeners.** Raw asyncpg connections LISTEN on one channel (`--listeners`, each count in
   turn); four publishers commit `--notifies` NOTIFYs, one per transaction as the hub does.
   Per count: commits/s and the delay from sending to arrival at every listener, p50 / p99
   (wall clock, one machine). The listeners share one Python process (not the publishers'),
   so at high counts part of the delay is that process reading, not PostgreSQL; the tests'
   server allows 200 connections, two hubs' pools included.
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fanout_latency import Setup, prepare, write

from tests.conftest import HubHandle, stop_hub
from tests.pg import PostgresServer

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # a backend that ended in the window: its time is lost, say so
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def postgres_pids(server: PostgresServer) -> list[int]:
    """The postmaster and every process it started (backends, walwriter, checkpointer…)."""
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    found = [postmaster]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == postmaster:
                found.append(int(entry.name))
    return found


async def write_for(setups: list[Setup], seconds: float, writers: int) -> int:
    """`writers` kiosks writing as fast as the hubs answer, spread over the setups' hubs."""
    done = 0
    stop = time.monotonic() + seconds
    cards = itertools.cycle([loyalty for _, loyalty in setups[0].profiles])

    async def kiosk(setup: Setup) -> None:
        nonlocal done
        async with httpx.AsyncClient(timeout=30) as client:
            while time.monotonic() < stop:
                await write(setup, next(cards), client)
                done += 1

    await asyncio.gather(*(kiosk(setups[k % len(setups)]) for k in range(writers)))
    return done


def writes_row(
    name: str,
    setups: list[Setup],
    server: PostgresServer,
    hubs: list[HubHandle],
    args: argparse.Namespace,
) -> tuple[str, float, float, float]:
    hub_pids = [h.process.pid for h in hubs if h.process is not None]
    pg_before, hub_before = cpu_seconds(postgres_pids(server)), cpu_seconds(hub_pids)
    started = time.perf_counter()
    count = asyncio.run(write_for(setups, args.seconds, args.writers))
    wall = time.perf_counter() - started
    pg_cpu = cpu_seconds(postgres_pids(server)) - pg_before
    hub_cpu = cpu_seconds(hub_pids) - hub_before
    return name, count / wall, pg_cpu / count, hub_cpu / count


def listen(dsn: str, count: int, expected: int, ready: Any, out: Any) -> None:
    """In a process of its own (so reading does not slow the publishers): `count` connections
    LISTEN; each arrival's delay since the payload's send time goes back through `out`."""

    async def run() -> list[float]:
        arrived: list[float] = []
        all_in = asyncio.Event()

        def heard(_: object, __: int, ___: str, payload: str) -> None:
            arrived.append(time.time() - float(payload))
            if len(arrived) >= expected:
                all_in.set()

        connections = [await asyncpg.connect(dsn) for _ in range(count)]
        for connection in connections:
            await connection.add_listener("ceiling", heard)
        ready.set()
        try:
            await asyncio.wait_for(all_in.wait(), 180)
        except TimeoutError:
            pass
        for connection in connections:
            await connection.close()
        return arrived

    out.put(asyncio.run(run()))


async def publish(dsn: str, notifies: int) -> float:
    """Four publishers, one NOTIFY a transaction (as a hub's commit sends its change)."""
    publishers = [await asyncpg.connect(dsn) for _ in range(4)]
    share = notifies // len(publishers)

    async def one(connection: asyncpg.Connection) -> None:
        for _ in range(share):
            async with connection.transaction():
                await connection.execute("SELECT pg_notify('ceiling', $1)", repr(time.time()))

    started = time.perf_counter()
    try:
        await asyncio.gather(*(one(p) for p in publishers))
        return share * len(publishers) / (time.perf_counter() - started)
    finally:
        for connection in publishers:
            await connection.close()


def listeners(dsn: str, count: int, notifies: int) -> tuple[float, list[float]]:
    context = multiprocessing.get_context("spawn")
    ready, out = context.Event(), context.Queue()
    child = context.Process(target=listen, args=(dsn, count, count * notifies, ready, out))
    child.start()
    if not ready.wait(120):
        raise RuntimeError("listeners did not connect")
    rate = asyncio.run(publish(dsn, notifies))
    arrived: list[float] = out.get(timeout=240)
    child.join(30)
    return rate, arrived


def pct(values: list[float], *ps: int) -> str:
    if not values:
        return "–"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return " / ".join(f"{cuts[p - 1] * 1000:.1f}" for p in ps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--listeners", default="1,10,50,100")
    parser.add_argument("--notifies", type=int, default=2000)
    parser.add_argument("--parts", default="writes,listeners")
    args = parser.parse_args()
    server = PostgresServer().start()
    hubs: list[HubHandle] = []
    try:
        url = server.create_database("ceiling")
        (hub_a, hub_b), profiles, sku = prepare(url, 2)
        hubs = [hub_a, hub_b]
        one = [Setup("A", hub_a, hub_a, profiles, sku)]
        two = [Setup("A", hub_a, hub_a, profiles, sku), Setup("B", hub_b, hub_b, profiles, sku)]
        parts = args.parts.split(",")
        if "writes" in parts:
            writes_table(server, hubs, one, two, args)
        if "listeners" in parts:
            listeners_table(url, args)
    finally:
        for hub in hubs:
            stop_hub(hub)
        server.stop()


def writes_table(
    server: PostgresServer,
    hubs: list[HubHandle],
    one: list[Setup],
    two: list[Setup],
    args: argparse.Namespace,
) -> None:
    asyncio.run(write_for(one, 2, args.writers))  # warm both hubs' caches and pools
    asyncio.run(write_for(two[1:], 2, args.writers))
    rows = []
    for _ in range(2):
        rows.append(writes_row("one hub", one, server, hubs, args))
        rows.append(writes_row("two hubs", two, server, hubs, args))
    print(
        f"\n`track` of one VIEW, {args.writers} concurrent kiosks, {args.seconds:.0f} s a "
        f"row, {os.cpu_count()} cores shared by hubs, PostgreSQL and the load\n"
    )
    print(
        "| hubs | writes/s | PostgreSQL CPU ms / write | hubs' CPU ms / write "
        "| writes/s one primary core would carry |"
    )
    print("|---|---|---|---|---|")
    for name, rate, pg, hub in rows:
        print(f"| {name} | {rate:,.0f} | {pg * 1000:.2f} | {hub * 1000:.2f} | {1 / pg:,.0f} |")


def listeners_table(url: str, args: argparse.Namespace) -> None:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    print(
        f"\n{args.notifies:,} NOTIFYs, one per transaction from 4 publishers, to every "
        "listening connection\n"
    )
    print("| listening connections | commits/s | send → arrival p50 / p99 ms | arrived |")
    print("|---|---|---|---|")
    for count in [int(n) for n in args.listeners.split(",")]:
        rate, arrived = listeners(dsn, count, args.notifies)
        print(
            f"| {count} | {rate:,.0f} | {pct(arrived, 50, 99)} | "
            f"{len(arrived):,} of {count * args.notifies:,} |"
        )


if __name__ == "__main__":
    main()
