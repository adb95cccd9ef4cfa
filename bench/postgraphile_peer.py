"""The profile read on Rapport against PostGraphile 5 on the same PostgreSQL tables (issue 16,
goal 2: Rapport's read throughput ≥ 1.0× the peer's at equal cores).

Usage:
  .venv/bin/python bench/postgraphile_peer.py [--seed demo|sample] [--clients 1 8]
      [--requests 1000] [--rounds 3] [--cpu 1 | --cpu none] [--no-floor]

One command: a throw-away PostgreSQL 15 (tests/pg.py), migrated by `rapport-hub migrate` and
seeded with `rapport-hub seed-demo` (default: the full demo file, 4,383 customers, ~1 min on
PostgreSQL; `--seed sample`: tests/data's sample, 61 customers), then `rapport-hub serve` (one
process, production mode, admin key) and PostGraphile 5 (bench/postgraphile/server.mjs: one
Node process, the Amber preset, connecting as `peer_reader`, a role with SELECT only) side by
side on the same database. Both answer the same customers (CRM ids drawn with a fixed seed);
per client count, round by round, the two take turns on the same batch (who goes first
rotates); every client is a thread with its own keep-alive connection. Printed per target
and client count: requests/s (requests ÷ the wall time of the target's turns), p50 / p99 ms,
the server's own CPU per request (utime + stime of its process, all threads, from /proc),
and the Rapport ÷ PostGraphile ratios.

The read is the one of bench/profile_floor.py: Rapport gets its PROFILE query (identifiers,
stated and top learned preferences with labels and reasons, consents, 20 recent events with
summaries). PostGraphile gets `PEER_QUERY` (bench/peer_reads.py), which reads the same rows:
the identifier by its unique (kind, value), its profile, the profile's identifiers, stated
preferences, top 15 learned interests, consents and 20 newest events with their products'
names. What PostGraphile cannot generate from the tables is added to the throw-away database
by `PEER_SQL` (bench/peer_servers.py, documented there): three computed-column functions —
`Profile.topInterests` (the hub's ranking of learned interests: decayed to the profile's newest
activity with the default 30-day half-life, |score| ≥ 0.5, strongest 15), `Preference.label`
and `Event.productName` (product or category names) — and three `@behavior +orderBy` smart
tags so that identifiers, preferences and consents can be ordered as the hub orders them. The
answers are compared row by row (keys, values, order, event times) for 30 customers before
anything is timed.

A third target (leave it out with --no-floor): bench/profile_floor.py's floor, a plain
Starlette endpoint under uvicorn reading the same rows with SQLAlchemy Core on the hub's own
engine, no GraphQL — what Python reaching these rows costs, beside the two GraphQL servers.

Equal cores: every server is pinned to the same single CPU (`--cpu 1`, `taskset -a`), so each
has one core while it is driven and none ever has two; PostgreSQL and the client threads run
on the other core (and on that one when it is idle). Node runs JavaScript on one thread but
may use helper threads (GC, libuv); pinned, those share the one core too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.drive import cpu_seconds  # noqa: E402
from bench.peer_reads import (  # noqa: E402
    _drive,
    _floor_ask,
    _hub_ask,
    _peer_ask,
    _same_as_peer,
    _same_rows,
)
from bench.peer_servers import (  # noqa: E402
    _npm_ci,
    _pin,
    _prepare,
    _start_one_statement,
    _start_peer,
)
from bench.profile_floor import _crm_ids, _start_floor  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", choices=["demo", "sample"], default="demo")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--requests", type=int, default=1000, help="per target, cell, round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", default="1", help="the CPU both servers are pinned to, or none")
    parser.add_argument(
        "--no-floor",
        action="store_true",
        help="leave out bench/profile_floor.py's plain endpoint (a third target: Starlette and "
        "SQLAlchemy Core reading the same rows, no GraphQL)",
    )
    parser.add_argument(
        "--one-statement",
        action="store_true",
        help="a fourth target, a probe: the read as one SQL statement answered with JSON by "
        "PostgreSQL, behind a bare Starlette endpoint on asyncpg (ONE_STATEMENT)",
    )
    args = parser.parse_args()
    cpu = None if args.cpu == "none" else args.cpu
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise SystemExit("needs Node.js 20+ and npm (scripts/setup --with-tests installs them)")
    _npm_ci()
    from tests.conftest import NO_TRAINING, start_hub, stop_hub

    server, url, database, key = _prepare(args.seed)
    hub_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    peer_headers = {"Content-Type": "application/json"}
    hub = None
    peer: subprocess.Popen[bytes] | None = None
    floor: subprocess.Popen[bytes] | None = None
    one: subprocess.Popen[bytes] | None = None
    results: dict[tuple[str, int], list[float]] = {}
    walls: dict[tuple[str, int], float] = {}
    cpus: dict[tuple[str, int], float] = {}
    try:
        hub = start_hub(
            url,
            {"admin": key},
            RAPPORT_ENV="production",
            RAPPORT_SECRET_KEY=uuid.uuid4().hex * 2,
            **NO_TRAINING,
            # The admin key's 200 requests/s limit is the hub's defence, not what is measured.
            RAPPORT_RATE_LIMITS='{"admin": 0}',
        )
        assert hub.process is not None
        hub_port = int(hub.url.rsplit(":", 1)[1])
        peer, peer_port = _start_peer(server, database)
        _pin(hub.process.pid, cpu)
        _pin(peer.pid, cpu)
        targets = {
            "rapport": (hub_port, _hub_ask, hub_headers, hub.process.pid),
            "postgraphile": (peer_port, _peer_ask, peer_headers, peer.pid),
        }
        if not args.no_floor:
            floor, floor_port = _start_floor(url)
            _pin(floor.pid, cpu)
            targets["floor"] = (floor_port, _floor_ask, {}, floor.pid)
        if args.one_statement:
            one, one_port = _start_one_statement(server, database)
            _pin(one.pid, cpu)
            targets["one-statement"] = (one_port, _floor_ask, {}, one.pid)
        values = _crm_ids(url, args.requests * args.rounds * len(args.clients) + 300)
        compared = list(dict.fromkeys(values[:40]))[:30]
        for value in compared:
            _same_rows(hub_port, hub_headers, peer_port, value)
        if "one-statement" in targets:
            for value in compared:
                _same_as_peer(targets["one-statement"][0], peer_port, value)
        print(f"answers compared for {len(compared)} customers", flush=True)
        for port, make, headers, _ in targets.values():  # warm-up: caches, pools, JIT
            _drive(port, make, headers, values[:300], 4)
        offset = 300
        for clients in args.clients:
            for round_ in range(args.rounds):
                batch = values[offset : offset + args.requests]
                offset += args.requests
                order = list(targets.items())
                order = order[round_ % len(order) :] + order[: round_ % len(order)]
                for name, (port, make, headers, pid) in order:
                    cpu_before = cpu_seconds(pid)
                    samples, wall = _drive(port, make, headers, batch, clients)
                    cell = (name, clients)
                    cpus[cell] = cpus.get(cell, 0.0) + cpu_seconds(pid) - cpu_before
                    results.setdefault(cell, []).extend(samples)
                    walls[cell] = walls.get(cell, 0.0) + wall
    finally:
        for process in (peer, floor, one):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
        if hub is not None:
            stop_hub(hub)
        server.stop()
    _report(args, cpu, list(targets), results, walls, cpus)


def _pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def _report(
    args: argparse.Namespace,
    cpu: str | None,
    names: list[str],
    results: dict[tuple[str, int], list[float]],
    walls: dict[tuple[str, int], float],
    cpus: dict[tuple[str, int], float],
) -> None:
    pinned = f"every server pinned to CPU {cpu}" if cpu is not None else "servers not pinned"
    print(
        f"PostgreSQL 15, {args.seed} store, {pinned}, "
        f"{args.rounds} rounds × {args.requests} requests per cell"
    )
    print(
        f"{'clients':>7} {'target':>13} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>10}"
    )
    for clients in args.clients:
        figures = {}
        for name in names:
            s = results[(name, clients)]
            rate = len(s) / walls[(name, clients)]
            cpu_ms = cpus[(name, clients)] * 1000 / len(s)
            figures[name] = (rate, statistics.median(s), _pct(s, 99), cpu_ms)
            print(
                f"{clients:7} {name:>13} {rate:8.1f} {figures[name][1]:8.2f} "
                f"{figures[name][2]:8.2f} {cpu_ms:10.2f}"
            )
        r, p = figures["rapport"], figures["postgraphile"]
        print(
            f"{clients:7} {'rapport ÷ pgl':>13} {r[0] / p[0]:7.2f}× {r[1] / p[1]:7.2f}× "
            f"{r[2] / p[2]:7.2f}× {r[3] / p[3]:9.2f}×   (throughput: ≥ 1.0× is the goal)"
        )
        for name in ("floor", "one-statement"):
            if name in figures:
                f = figures[name]
                print(
                    f"{clients:7} {name[:7] + ' ÷ pgl':>13} {f[0] / p[0]:7.2f}× "
                    f"{f[1] / p[1]:7.2f}× {f[2] / p[2]:7.2f}× {f[3] / p[3]:9.2f}×"
                )


if __name__ == "__main__":
    main()
