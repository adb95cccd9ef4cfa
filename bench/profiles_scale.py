"""The profile read at 10k and at 1M profiles, the hub's memory at each size, and the memory
an open profileChanged subscription costs (issue 16, goal 4: read latency at 1M profiles
≤ 1.2× the figure at 10k).

Usage:
  .venv/bin/python bench/profiles_scale.py [--sizes 10000 1000000] [--workdir DIR]
      [--template demo.db] [--clients 1 8] [--requests 1000] [--rounds 3]
      [--subscriptions 1000] [--hot N] [--seed 16] [--cold] [--events-cap 30]
      [--interests-cap 40]

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
side.

Then one hub per size (`rapport-hub serve`, one process each, production mode, admin key, its
rate limit off) run side by side and take turns, round by round (who goes first rotates), on
the read of bench/profile_floor.py, for customers drawn uniformly from each store (--seed; or
from a working set of --hot profiles); every client is a thread with its own keep-alive
connection. Printed: p50 / p99 per size and client count and the largest size ÷ the smallest;
each hub's RSS (idle after start, after the reads) and, per read, its read syscalls and the
bytes it fetched from storage rather than the OS page cache (/proc/<pid>/io: a run with the
same --seed reads the same customers, whose pages an earlier run may have left cached; --cold
evicts the store files from the OS page cache before the rounds); and,
on a fresh hub on the largest store, RSS as --subscriptions/2 graphql-transport-ws sockets are
acknowledged, then subscribe to profileChanged, then as many more sockets open with a
subscription each (checked live: a consent change on a subscribed profile must arrive) — per
socket, per subscription, and per socket with its subscription.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.profile_floor import AUTH, _drive, _hub_ask, _pct, _port  # noqa: E402

DEMO = ROOT.parent / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
HALF_LIFE_SECONDS = 30 * 86400.0  # settings.affinity_half_life_days, the default
CHUNK = 50_000
# The admin key's 200 requests/s limit is the hub's defence, not what is measured here.
NO_RATE_LIMIT = '{"admin": 0}'


# ---------------------------------------------------------------- the template's shapes


@dataclass
class Shape:
    """One real customer's rows, without ids."""

    profile: tuple[Any, ...]
    identifiers: list[tuple[Any, ...]] = field(default_factory=list)
    stated: list[tuple[Any, ...]] = field(default_factory=list)
    consents: list[tuple[Any, ...]] = field(default_factory=list)
    learned: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)


def _when(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _shapes(template: Path, events_cap: int, interests_cap: int) -> list[Shape]:
    db = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    crm = {
        pid
        for (pid,) in db.execute(
            "SELECT i.profile_id FROM identifiers i JOIN profiles p ON p.id = i.profile_id "
            "WHERE i.kind = 'CRM_ID' AND p.merged_into_id IS NULL AND p.erased_at IS NULL"
        )
    }
    shapes: dict[str, Shape] = {}
    for row in db.execute(
        "SELECT id, first_name, last_name, search_name, traits, is_known, version, created_at, "
        "updated_at FROM profiles"
    ):
        if row[0] in crm:
            shapes[row[0]] = Shape(profile=row[1:])
    for pid, *rest in db.execute(
        "SELECT profile_id, kind, value, touchpoint, created_at, verified_at FROM identifiers "
        "ORDER BY id"
    ):
        if pid in shapes:
            shapes[pid].identifiers.append(tuple(rest))
    for pid, *rest in db.execute(
        'SELECT profile_id, "key", value, "like", weight, touchpoint, origin, created_at, '
        "updated_at FROM preferences ORDER BY id"
    ):
        if pid in shapes:
            shapes[pid].stated.append(tuple(rest))
    for pid, *rest in db.execute(
        "SELECT profile_id, purpose, granted, touchpoint, updated_at, expires_at FROM consents"
    ):
        if pid in shapes:
            shapes[pid].consents.append(tuple(rest))
    learned: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for pid, *rest in db.execute(
        'SELECT profile_id, "key", value, score, as_of, views, carts, purchases, returns, '
        "last_touchpoint, updated_at FROM affinities"
    ):
        if pid in shapes:
            learned[pid].append(tuple(rest))
    for pid, rows in learned.items():
        # The strongest as the hub ranks them: decayed to the profile's newest activity.
        newest = max(_when(r[3]) for r in rows)

        def strength(r: tuple[Any, ...], newest: float = newest) -> float:
            return abs(r[2]) * math.pow(2.0, -(newest - _when(r[3])) / HALF_LIFE_SECONDS)

        shapes[pid].learned = sorted(rows, key=strength, reverse=True)[:interests_cap]
    for pid, *rest in db.execute(
        "SELECT profile_id, type, touchpoint, occurred_at, received_at, product_sku, quantity, "
        "price, properties FROM ("
        "  SELECT *, row_number() OVER (PARTITION BY profile_id "
        "                               ORDER BY occurred_at DESC, id DESC) AS n FROM events"
        f") WHERE n <= {int(events_cap)} ORDER BY profile_id, occurred_at, id"
    ):
        if pid in shapes:
            shapes[pid].events.append(tuple(rest))
    db.close()
    return list(shapes.values())


# ---------------------------------------------------------------- building a store


def _hub(database_url: str, *args: str) -> str:
    from tests.conftest import hub_command

    return hub_command(database_url, *args).stdout.strip()


def _build(path: Path, size: int, template: Path, shapes: list[Shape], seed: int) -> None:
    """A store of `size` synthetic profiles; written to a temporary name, renamed when done."""
    partial = path.with_suffix(".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    _hub(f"sqlite+aiosqlite:///{partial}", "migrate")
    db = sqlite3.connect(partial)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1048576")
    db.execute("ATTACH DATABASE ? AS template", (f"file:{template}?mode=ro",))
    db.execute("INSERT INTO categories SELECT * FROM template.categories")
    db.execute("INSERT INTO products SELECT * FROM template.products")
    db.commit()
    db.execute("DETACH DATABASE template")
    # Secondary indexes and the events trigger are dropped for the load and made again after
    # it with the migration's own DDL (a sorted build instead of row-by-row inserts): the
    # same schema in the end. Unique constraints stay (SQLite cannot drop them).
    later = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('events', 'affinities', "
        "'preferences', 'consents', 'identifiers') AND sql IS NOT NULL "
        "AND type IN ('index', 'trigger')"
    ).fetchall()
    for kind, name, _ in later:
        db.execute(f'DROP {kind.upper()} "{name}"')
    rng = random.Random(seed)
    base_ms = int(time.time() * 1000) - size  # one profile a millisecond, ending now
    identifier_id = 0
    started = time.perf_counter()
    for first in range(0, size, CHUNK):
        profiles, identifiers, stated, consents, learned, events = [], [], [], [], [], []
        for n in range(first, min(first + CHUNK, size)):
            shape = rng.choice(shapes)
            pid = f"{base_ms + n:012x}{rng.getrandbits(80):020x}"
            profiles.append((pid, *shape.profile))
            crm_id = None
            for kind, value, *rest in shape.identifiers:
                identifier_id += 1
                value = str(10_000_000 + n) if kind == "CRM_ID" else f"{n}.{value}"
                if kind == "CRM_ID":
                    crm_id = identifier_id
                identifiers.append((identifier_id, pid, kind, value, *rest))
            stated.extend((pid, *row) for row in shape.stated or _said(rng, shape))
            consents.extend((pid, *row) for row in shape.consents or _consented(rng, shape))
            learned.extend((pid, *row) for row in shape.learned)
            events.extend(
                (f"scale-{n:08d}-{i:03d}", pid, crm_id, *row) for i, row in enumerate(shape.events)
            )
        events.sort(key=lambda e: e[5])  # occurred_at: profiles' events interleave
        rng.shuffle(learned)
        db.executemany(
            "INSERT INTO profiles (id, first_name, last_name, search_name, traits, is_known, "
            "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            profiles,
        )
        db.executemany(
            "INSERT INTO identifiers (id, profile_id, kind, value, touchpoint, created_at, "
            "verified_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            identifiers,
        )
        db.executemany(
            'INSERT INTO preferences (profile_id, "key", value, "like", weight, touchpoint, '
            "origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            stated,
        )
        db.executemany(
            "INSERT INTO consents (profile_id, purpose, granted, touchpoint, updated_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            consents,
        )
        db.executemany(
            'INSERT INTO affinities (profile_id, "key", value, score, as_of, views, carts, '
            "purchases, returns, last_touchpoint, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            learned,
        )
        db.executemany(
            "INSERT INTO events (message_id, profile_id, identifier_id, type, touchpoint, "
            "occurred_at, received_at, product_sku, quantity, price, properties) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        db.commit()
        done = min(first + CHUNK, size)
        print(
            f"  {path.name}: {done:,} profiles, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    print(f"  {path.name}: indexes and trigger…", flush=True)
    for _, _, sql in later:
        db.execute(sql)
    db.execute("INSERT INTO event_messages (message_id) SELECT message_id FROM events")
    db.execute("ANALYZE")
    db.commit()
    db.close()
    os.replace(partial, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)


# The demo data has no stated preferences or consents (a wholesaler's order lines); a live
# store has both. Invented here, from the shape's own history: a third of profiles told a
# touchpoint they like one to three of their strongest learned categories or themes, and every
# profile recorded consent for three purposes at its last activity (personalisation and
# analytics mostly granted, email marketing about half the time).
def _said(rng: random.Random, shape: Shape) -> list[tuple[Any, ...]]:
    facets = [r for r in shape.learned if r[0] in ("category", "theme")]
    if not facets or rng.random() >= 1 / 3:
        return []
    at = shape.learned[0][3]
    return [
        (r[0], r[1], True, 1.0, rng.choice(("WEB", "KIOSK")), "preferences", at, at)
        for r in facets[: rng.randint(1, 3)]
    ]


def _consented(rng: random.Random, shape: Shape) -> list[tuple[Any, ...]]:
    at = shape.events[-1][2] if shape.events else shape.profile[-1]
    return [
        ("PERSONALIZATION", rng.random() < 0.9, "WEB", at, None),
        ("ANALYTICS", rng.random() < 0.8, "WEB", at, None),
        ("MARKETING_EMAIL", rng.random() < 0.5, "WEB", at, None),
    ]


def _counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("profiles", "identifiers", "preferences", "consents", "affinities", "events")
    }
    db.close()
    counts["MB on disk"] = path.stat().st_size // 1_000_000
    return counts


# ---------------------------------------------------------------- measuring


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _evict(path: Path) -> None:
    """Drop the store's pages from the OS page cache (posix_fadvise DONTNEED: this file only,
    its clean pages), as after a reboot or on a machine whose memory went to other work."""
    for name in (path, Path(f"{path}-wal")):
        if name.exists():
            fd = os.open(name, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def _io(pid: int) -> dict[str, int]:
    """The process's read syscalls and the bytes it had fetched from storage (not from the
    OS page cache), from /proc/<pid>/io."""
    pairs = (line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return {name: int(value) for name, value in pairs}


def _crm_values(path: Path, n: int, seed: int, hot: int = 0) -> list[str]:
    """`n` CRM ids drawn uniformly from the store, or from its first `hot` customers."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    size = db.execute("SELECT count(*) FROM profiles").fetchone()[0]
    db.close()
    rng = random.Random(seed)
    drawn_from = min(hot, size) if hot else size
    return [str(10_000_000 + rng.randrange(drawn_from)) for _ in range(n)]


SUBSCRIBE = "subscription($p: ID!) { profileChanged(profileId: $p) { profileId version kind } }"
CONSENT = """mutation($p: ID!) { setConsent(profileId: $p, purpose: ANALYTICS, granted: false,
  touchpoint: WEB) { userErrors { code message } } }"""


async def _subscriptions(url: str, key: str, pid: int, profile_ids: list[str]) -> dict[str, Any]:
    """RSS of the hub in three steps of n = len(profile_ids) // 2: n sockets acknowledged
    (graphql-transport-ws `connection_init`), then one profileChanged subscription on each of
    them, then n more sockets with a subscription each. Per socket, per subscription, and per
    socket with its subscription once the first ones have warmed what is warmed once."""
    import httpx
    import websockets

    ws_url = url.replace("http://", "ws://") + "/graphql"
    n = len(profile_ids) // 2

    async def connect() -> Any:
        ws = await websockets.connect(ws_url, subprotocols=["graphql-transport-ws"])
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
        await ws.send(json.dumps(init))
        ack = json.loads(await ws.recv())
        if ack["type"] != "connection_ack":
            raise RuntimeError(f"not acknowledged: {ack}")
        return ws

    async def subscribe(ws: Any, profile_id: str) -> None:
        payload = {"query": SUBSCRIBE, "variables": {"p": profile_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))

    async def settled() -> int:
        await asyncio.sleep(3.0)  # every subscription has reached its feed
        return _rss_kb(pid)

    await asyncio.sleep(1.0)
    before = _rss_kb(pid)
    sockets = [await connect() for _ in range(n)]
    connected = await settled()
    await asyncio.gather(*(subscribe(ws, p) for ws, p in zip(sockets, profile_ids, strict=False)))
    subscribed = await settled()
    for profile_id in profile_ids[n : 2 * n]:
        ws = await connect()
        await subscribe(ws, profile_id)
        sockets.append(ws)
    both = await settled()
    # Live: a change to the first subscribed profile reaches its socket.
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(
            url + "/graphql",
            json={"query": CONSENT, "variables": {"p": profile_ids[0]}},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert not answer.json()["data"]["setConsent"]["userErrors"], answer.text
    message = json.loads(await asyncio.wait_for(sockets[0].recv(), timeout=10))
    if message["type"] != "next":
        raise RuntimeError(f"no change delivered: {message}")
    await asyncio.sleep(11.0)  # one credential re-check tick of every subscription
    ticked = _rss_kb(pid)
    for ws in sockets:
        await ws.close()
    await asyncio.sleep(2.0)
    return {
        "n": n,
        "rss_before_kb": before,
        "rss_sockets_kb": connected,
        "rss_subscribed_kb": subscribed,
        "rss_both_kb": both,
        "rss_after_tick_kb": ticked,
        "rss_closed_kb": _rss_kb(pid),
        "kb_socket_first": (connected - before) / n,
        "kb_subscription": (subscribed - connected) / n,
        "kb_socket_and_subscription": (both - subscribed) / n,
    }


def _profile_ids(port: int, key: str, values: list[str]) -> list[str]:
    import httpx

    query = "query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) { id } }"
    found = []
    with httpx.Client(timeout=30) as client:
        for value in values:
            answer = client.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": query, "variables": {"v": value}},
                headers={"Authorization": f"Bearer {key}"},
            )
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
            found.append(answer.json()["data"]["profile"]["id"])
    return found


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
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    template = Path(args.template) if args.template else workdir / "template.db"
    if not template.exists():
        print(f"seeding the template store {template} (rapport-hub seed-demo, ~1–2 min)")
        _hub(f"sqlite+aiosqlite:///{template}", "migrate")
        _hub(f"sqlite+aiosqlite:///{template}", "seed-demo", str(DEMO), "--no-keys")
    tag = f"v2-e{args.events_cap}-i{args.interests_cap}"
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
    if args.build_only:
        return
    _measure(args, stores)


def _measure(args: argparse.Namespace, stores: dict[int, Path]) -> None:
    from tests.conftest import start_hub, stop_hub

    hubs: dict[int, Any] = {}
    keys: dict[int, str] = {}
    results: dict[tuple[int, int], list[float]] = {}
    memory: dict[int, dict[str, int]] = {}
    subscriptions: dict[str, Any] = {}
    try:
        for size, path in stores.items():
            url = f"sqlite+aiosqlite:///{path}"
            keys[size] = _hub(url, "keys", "create", "--channel", "admin", "--name", "scale")
            hubs[size] = start_hub(
                url,
                {"admin": keys[size]},
                RAPPORT_ENV="production",
                RAPPORT_SECRET_KEY=uuid.uuid4().hex * 2,
                RAPPORT_RETRAIN_ON_START="false",
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
        if args.cold:
            for path in stores.values():
                _evict(path)
        offset = 100
        for clients in args.clients:
            for round_ in range(args.rounds):
                order = list(hubs.items())
                order = order[round_ % len(order) :] + order[: round_ % len(order)]
                for size, hub in order:
                    AUTH["Authorization"] = f"Bearer {keys[size]}"
                    batch = values[size][offset : offset + args.requests]
                    io_before = _io(hub.process.pid)
                    samples = _drive(_port(hub.url), _hub_ask, batch, clients)
                    results.setdefault((size, clients), []).extend(samples)
                    io_after = _io(hub.process.pid)
                    for name in ("read_bytes", "syscr"):
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
            url = f"sqlite+aiosqlite:///{stores[largest]}"
            hub = hubs[largest] = start_hub(
                url,
                {"admin": keys[largest]},
                RAPPORT_ENV="production",
                RAPPORT_SECRET_KEY=uuid.uuid4().hex * 2,
                RAPPORT_RETRAIN_ON_START="false",
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


def _report(
    args: argparse.Namespace,
    stores: dict[int, Path],
    results: dict[tuple[int, int], list[float]],
    memory: dict[int, dict[str, int]],
    subscriptions: dict[str, Any],
) -> None:
    small, large = min(stores), max(stores)
    print(
        f"SQLite, synthetic stores ({args.events_cap} events, {args.interests_cap} learned "
        f"interests at most a profile), {args.rounds} rounds × {args.requests} requests per cell, "
        + (
            f"customers drawn from {args.hot:,} of each store"
            if args.hot
            else "customers drawn from the whole store"
        )
        + (", store files evicted from the OS page cache first" if args.cold else "")
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
            f"{m['syscr'] / reads[size]:.0f} read syscalls (SQLite pages not in its own "
            f"cache), {m['read_bytes'] / 1024 / reads[size]:.1f} KiB from storage (not in "
            "the OS page cache)"
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
