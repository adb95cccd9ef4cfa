"""The profile read at 10k and at 1M profiles, the hub's memory at each size, and the memory
an open profileChanged subscription costs (issue 16, goal 4: read latency at 1M profiles
≤ 1.2× the figure at 10k).

Usage:
  .venv/bin/python bench/profiles_scale.py [--sizes 10000 1000000] [--workdir DIR]
      [--template demo.db] [--clients 1 8] [--requests 1000] [--rounds 3]
      [--subscriptions 1000] [--hot N] [--seed 16] [--cold] [--events-cap 30]
      [--interests-cap 40] [--os-cached] [--pages N] [--db sqlite|postgres]

Stores (SQLite, one file per size, kept in --workdir and reused when already built):
`rapport-hub migrate` makes the schema; the catalogue (categories, products) is copied from a
template store made by `rapport-hub seed-demo` (the full demo file; made in --workdir when
--template is not given); then every synthetic profile copies the shape of a real demo
customer drawn at random (with replacement): its profile row, identifiers (a new CRM id,
other kinds renumbered), learned interests (the strongest --interests-cap, scored as the hub
scores them) and newest events (--events-cap) with their real products, times, quantities and
prices. So the stores hold the real data's distributions of identifiers, learned interests and
events per customer, capped in the two long tails (the demo's customers are a wholesaler's
accounts: mean 95 events and 95 learned interests a customer; uncapped, 1M profiles would be
~190M rows). The read shows the 20 newest events and 15 learned interests; a profile keeps up
to 30 and 40, so the read still skips and scores rows it does not show. The demo data has no
stated preferences or consents; those are invented (`_said`, `_consented`). Rows go in with
stdlib sqlite3 executemany, 50,000 profiles a transaction, profile ids time-ordered like the
hub's (`hub.ids.new_id`), secondary indexes and the events trigger made again after the load;
within a transaction events are inserted in time order and learned interests shuffled, so a
profile's rows lie scattered over the table's pages as live ingest leaves them, not side by
side. The store building is bench/scale_data.py; the RSS, I/O and subscription probes are
bench/scale_probes.py.

Then one hub per size (`rapport-hub serve`, one process each, production mode, admin key, its
rate limit off) run side by side and take turns, round by round (who goes first rotates), on
the read of bench/profile_floor.py, for customers drawn uniformly from each store (--seed; or
from a working set of --hot profiles); every client is a thread with its own keep-alive
connection. Printed: p50 / p99 per size and client count and the largest size ÷ the smallest;
each hub's RSS (idle after start, after the reads) and, per read, its read syscalls and the
bytes it fetched from storage rather than the OS page cache (/proc/<pid>/io: a run with the
same --seed reads the same customers, whose pages an earlier run may have left cached; --cold
evicts the store files from the OS page cache before the rounds, --os-cached reads them through
once so that it holds them, as on a server whose memory fits the store); and,
on a fresh hub on the largest store, RSS as --subscriptions/2 graphql-transport-ws sockets are
acknowledged, then subscribe to profileChanged, then as many more sockets open with a
subscription each (checked live: a consent change on a subscribed profile must arrive) — per
socket, per subscription, and per socket with its subscription.

--db postgres: the same stores copied into databases of a PostgreSQL 15 cluster kept in
--workdir/pg (bench/scale_pg.py, built once), one hub on each; --cold then restarts the server
and evicts its files before the hubs start, and the reads' block counts come from
pg_stat_database instead of the hub's /proc I/O.

--pages N starts no hub: it says where a cold read's pages go. Per statement of the read (the
hub's own SQL, bound as the hub binds it), the pages one connection with the hub's page cache
fetches for N customers of each store, after 100 others warmed it and the file was evicted
from the OS page cache.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import scale_pg  # noqa: E402
from bench.profile_floor import AUTH, _drive, _hub_ask, _pct, _port  # noqa: E402
from bench.scale_data import Shape, _build, _counts, _hub, _shapes  # noqa: E402
from bench.scale_probes import (  # noqa: E402
    PARTS,
    _crm_values,
    _evict,
    _io,
    _pages_per_part,
    _profile_ids,
    _read_through,
    _rss_kb,
    _subscriptions,
)
from tests.pg import PostgresServer  # noqa: E402

DEMO = ROOT.parent / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
# The admin key's 200 requests/s limit is the hub's defence, not what is measured here.
NO_RATE_LIMIT = '{"admin": 0}'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--workdir", default="/tmp/rapport-scale")
    parser.add_argument("--template", help="a `rapport-hub seed-demo` SQLite store")
    parser.add_argument("--events-cap", type=int, default=30)
    parser.add_argument("--interests-cap", type=int, default=40)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--requests", type=int, default=1000, help="per size, cell, round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument(
        "--hot",
        type=int,
        default=0,
        help="draw the read customers from this many profiles of each store (a working set "
        "that stays cached) instead of from all",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=16,
        help="draws the read customers; the same seed reads the same customers again, whose "
        "pages a previous run may have left in the OS page cache (a new seed reads cold ones)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="evict each store file from the OS page cache after the warm-up (this file only)",
    )
    parser.add_argument(
        "--os-cached",
        action="store_true",
        help="read each store file through once before the rounds, so that the OS page cache "
        "holds it (a server whose memory fits the store); the opposite of --cold",
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="postgres: the same stores copied into databases of a PostgreSQL 15 cluster kept in "
        "--workdir/pg (bench/scale_pg.py; built once), one hub on each",
    )
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--pages",
        type=int,
        default=0,
        help="instead of timing hubs: per statement of the read, the pages a cold read of this "
        "many customers fetches from each store (bench/scale_probes.py's _pages_per_part)",
    )
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    template = Path(args.template) if args.template else workdir / "template.db"
    if not template.exists():
        print(f"seeding the template store {template} (rapport-hub seed-demo, ~1–2 min)")
        _hub(f"sqlite+aiosqlite:///{template}", "migrate")
        _hub(f"sqlite+aiosqlite:///{template}", "seed-demo", str(DEMO), "--no-keys")
    # v3: stores made with the hub's 8 KiB pages (hub.db.SQLITE_PAGE_SIZE); v2 had 4 KiB ones.
    tag = f"v3-e{args.events_cap}-i{args.interests_cap}"
    stores = {size: workdir / f"profiles-{size}-{tag}.db" for size in args.sizes}
    shapes: list[Shape] | None = None
    for size, path in stores.items():
        if not path.exists():
            if shapes is None:
                shapes = _shapes(template, args.events_cap, args.interests_cap)
                print(f"{len(shapes):,} customer shapes from {template}", flush=True)
            started = time.perf_counter()
            _build(path, size, template, shapes, seed=size)
            print(f"built {path} in {time.perf_counter() - started:.0f} s", flush=True)
        print(f"{path.name}: {_counts(path)}", flush=True)
    if args.db == "postgres":
        if args.pages:
            parser.error("--pages counts SQLite's pages: not with --db postgres")
        server = scale_pg.cluster(workdir)
        try:
            urls = {}
            for size, path in stores.items():
                started = time.perf_counter()
                urls[size] = scale_pg.database(server, path, f"profiles_{size}")
                print(
                    f"PostgreSQL profiles_{size}: {time.perf_counter() - started:.0f} s", flush=True
                )
            if not args.build_only:
                _measure(args, stores, urls, server)
        finally:
            server.stop()
        return
    if args.build_only:
        return
    if args.pages:
        _pages(args, stores)
        return
    _measure(args, stores, {size: f"sqlite+aiosqlite:///{path}" for size, path in stores.items()})


def _pages(args: argparse.Namespace, stores: dict[int, Path]) -> None:
    """Where a cold read's pages go: per statement, at each size (same warm-up as the timed
    rounds: 100 other customers read first, then the file evicted from the OS page cache)."""
    from hub.db import SQLITE_CACHE_KIB

    counts = {}
    for size, path in stores.items():
        values = _crm_values(path, args.pages + 100, seed=args.seed, hot=args.hot)
        counts[size] = _pages_per_part(path, values[100:], values[:100], SQLITE_CACHE_KIB)
    sizes = list(stores)
    print(
        f"pages fetched per read (one connection, {SQLITE_CACHE_KIB // 1024} MiB page cache, "
        f"{args.pages} customers, store evicted from the OS page cache after a warm-up)"
    )
    print(f"{'statement':>12} " + " ".join(f"{size:>11,}" for size in sizes))
    for part in (*PARTS, "total"):
        row = [
            sum(counts[size].values()) if part == "total" else counts[size][part] for size in sizes
        ]
        print(f"{part:>12} " + " ".join(f"{value:11.1f}" for value in row))


def _measure(
    args: argparse.Namespace,
    stores: dict[int, Path],
    urls: dict[int, str],
    server: PostgresServer | None = None,
) -> None:
    """Hubs on `urls` (one per size); `stores` are the SQLite files the customers are drawn
    from (on PostgreSQL the same rows); `server`: the cluster when the stores are there."""
    from tests.conftest import NO_TRAINING, start_hub, stop_hub

    if server is not None and args.cold:
        # A restart empties the server's buffers; done before the hubs start, whose pools it
        # would break. The warm-up below then reads other customers, as on SQLite.
        scale_pg.evict(server)
    hubs: dict[int, Any] = {}
    keys: dict[int, str] = {}
    results: dict[tuple[int, int], list[float]] = {}
    memory: dict[int, dict[str, int]] = {}
    subscriptions: dict[str, Any] = {}
    try:
        for size, url in urls.items():
            keys[size] = _hub(url, "keys", "create", "--channel", "admin", "--name", "scale")
            hubs[size] = start_hub(
                url,
                {"admin": keys[size]},
                RAPPORT_ENV="production",
                RAPPORT_SECRET_KEY=uuid.uuid4().hex * 2,
                **NO_TRAINING,
                RAPPORT_RATE_LIMITS=NO_RATE_LIMIT,
            )
            memory[size] = {"idle_kb": _rss_kb(hubs[size].process.pid)}
        total = args.requests * args.rounds * len(args.clients) + 100
        values = {
            size: _crm_values(path, total, seed=args.seed, hot=args.hot)
            for size, path in stores.items()
        }
        for size, hub in hubs.items():  # warm-up: caches, pools, first loads
            AUTH["Authorization"] = f"Bearer {keys[size]}"
            _drive(_port(hub.url), _hub_ask, values[size][:100], 4)
        if args.cold and server is None:
            for path in stores.values():
                _evict(path)
        if args.os_cached and server is not None:
            scale_pg.read_through(server)
        elif args.os_cached:
            for path in stores.values():
                _read_through(path)
        offset = 100
        for clients in args.clients:
            for round_ in range(args.rounds):
                order = list(hubs.items())
                order = order[round_ % len(order) :] + order[: round_ % len(order)]
                for size, hub in order:
                    AUTH["Authorization"] = f"Bearer {keys[size]}"
                    batch = values[size][offset : offset + args.requests]
                    io_before = _io(hub.process.pid) | _buffers(server, size)
                    samples = _drive(_port(hub.url), _hub_ask, batch, clients)
                    results.setdefault((size, clients), []).extend(samples)
                    io_after = _io(hub.process.pid) | _buffers(server, size)
                    for name in io_after:
                        counted = memory[size].setdefault(name, 0)
                        memory[size][name] = counted + io_after[name] - io_before[name]
                offset += args.requests
        for size, hub in hubs.items():
            memory[size]["after_reads_kb"] = _rss_kb(hub.process.pid)
        largest = max(stores)
        if args.subscriptions:
            # A hub of its own, so that what the reads left in the others' caches and pools
            # (and gives back while the sockets open) does not count.
            for hub in hubs.values():
                stop_hub(hub)
            hubs.clear()
            hub = hubs[largest] = start_hub(
                urls[largest],
                {"admin": keys[largest]},
                RAPPORT_ENV="production",
                RAPPORT_SECRET_KEY=uuid.uuid4().hex * 2,
                **NO_TRAINING,
                RAPPORT_RATE_LIMITS=NO_RATE_LIMIT,
            )
            profile_ids = _profile_ids(
                _port(hub.url), keys[largest], values[largest][: args.subscriptions]
            )
            subscriptions = asyncio.run(
                _subscriptions(hub.url, keys[largest], hub.process.pid, profile_ids)
            )
    finally:
        for hub in hubs.values():
            stop_hub(hub)
    _report(args, stores, results, memory, subscriptions)


def _buffers(server: PostgresServer | None, size: int) -> dict[str, int]:
    """PostgreSQL: the database's block reads so far — found in its shared buffers (`blks_hit`)
    or not (`blks_read`: from the OS page cache or the disk); nothing on SQLite. Backends
    report these at most once a second: over a short round the counts lag."""
    if server is None:
        return {}
    hit, read = server.ask(
        f"profiles_{size}",
        "SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()",
    ).split("|")
    return {"blks_hit": int(hit), "blks_read": int(read)}


def _report(
    args: argparse.Namespace,
    stores: dict[int, Path],
    results: dict[tuple[int, int], list[float]],
    memory: dict[int, dict[str, int]],
    subscriptions: dict[str, Any],
) -> None:
    small, large = min(stores), max(stores)
    print(
        f"{'PostgreSQL 15' if args.db == 'postgres' else 'SQLite'}, synthetic stores "
        f"({args.events_cap} events, {args.interests_cap} learned "
        f"interests at most a profile), {args.rounds} rounds × {args.requests} requests per cell, "
        + (
            f"customers drawn from {args.hot:,} of each store"
            if args.hot
            else "customers drawn from the whole store"
        )
        + (", store files evicted from the OS page cache first" if args.cold else "")
        + (", store files read into the OS page cache first" if args.os_cached else "")
    )
    print(f"{'clients':>7} {'profiles':>10} {'p50 ms':>8} {'p99 ms':>8}")
    figures: list[dict[str, Any]] = []
    for clients in args.clients:
        for size in stores:
            s = results[(size, clients)]
            p50, p99 = statistics.median(s), _pct(s, 99)
            print(f"{clients:7} {size:10,} {p50:8.2f} {p99:8.2f}")
            figures.append({"clients": clients, "profiles": size, "p50": p50, "p99": p99})
        a, b = results[(large, clients)], results[(small, clients)]
        print(
            f"{clients:7} {f'{large:,} ÷ {small:,}':>10} "
            f"{statistics.median(a) / statistics.median(b):7.2f}× "
            f"{_pct(a, 99) / _pct(b, 99):7.2f}×   (goal: ≤ 1.2×)"
        )
    reads = {size: sum(len(results[(size, c)]) for c in args.clients) for size in stores}
    for size in stores:
        m = memory[size]
        print(
            f"hub RSS at {size:,} profiles: {m['idle_kb'] / 1024:.0f} MiB idle after start, "
            f"{m['after_reads_kb'] / 1024:.0f} MiB after the reads; per read "
            + (
                f"{m['blks_hit'] / reads[size]:.1f} blocks from PostgreSQL's shared buffers and "
                f"{m['blks_read'] / reads[size]:.1f} from outside them (the OS page cache or "
                "the disk)"
                if "blks_read" in m
                else f"{m['syscr'] / reads[size]:.0f} read syscalls (SQLite pages not in its "
                f"own cache), {m['read_bytes'] / 1024 / reads[size]:.1f} KiB from storage (not "
                "in the OS page cache)"
            )
        )
    if subscriptions:
        s = subscriptions
        mib = {k: v / 1024 for k, v in s.items() if k.startswith("rss")}
        print(
            f"graphql-transport-ws on a fresh hub on the {large:,}-profile store, RSS MiB: "
            f"{mib['rss_before_kb']:.1f} → {s['n']} sockets {mib['rss_sockets_kb']:.1f} → a "
            f"profileChanged subscription on each {mib['rss_subscribed_kb']:.1f} → {s['n']} more "
            f"sockets with one each {mib['rss_both_kb']:.1f}; after a credential re-check tick "
            f"{mib['rss_after_tick_kb']:.1f}; all closed {mib['rss_closed_kb']:.1f}"
        )
        print(
            f"  per socket (first batch) {s['kb_socket_first']:.1f} KiB, per subscription "
            f"{s['kb_subscription']:.1f} KiB, per socket with its subscription (second batch) "
            f"{s['kb_socket_and_subscription']:.1f} KiB"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"reads": figures, "memory": memory, "subscriptions": subscriptions})
        )


if __name__ == "__main__":
    main()
