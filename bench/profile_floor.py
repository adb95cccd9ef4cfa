"""The profile read over GraphQL against a floor that reads the same rows (issue 16, goal 1).

Usage:
  .venv/bin/python bench/profile_floor.py [--db sqlite|postgres] [--store demo.db]
      [--clients 1 8] [--requests 600] [--rounds 2] [--channel admin]

The hub (`rapport-hub serve`, uvicorn, one process) and the floor (this file's `floor_app`,
a plain Starlette endpoint under uvicorn, one process, the hub's own engine and driver) run
side by side on the same database. Both answer the same customers, drawn by CRM id with a
fixed seed. The hub gets

  profile(identifier: {kind: CRM_ID, value: $v}) { id displayName identifiers { kind value }
    preferences { key value label weight source reason } consents { purpose granted }
    recentEvents(first: 20) { type occurredAt summary } }

and the floor reads the same rows with eight plain SQL statements through SQLAlchemy Core
`text()` (the identifier joined to its profile, identifiers, stated preferences, learned
interests, consents, 20 events, product and category names) and returns them as JSON: no
GraphQL, no key check, no reasons or summaries in words, no masking, no ORM.

Per client count, round by round, the floor and the hub are driven in turn on the same
customers (interleaved, so both see the same machine; who goes first rotates); every client
is a thread with its own keep-alive connection.
Prints p50 / p99 per target and the hub ÷ floor ratios.

--store copies a seeded SQLite file (e.g. a `rapport-hub seed-demo` store) and adds an admin
key; without it (and always on PostgreSQL) a fresh store is seeded with tests/data's sample.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import String, bindparam, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.drive import drive  # noqa: E402

PROFILE = """query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) {
  id displayName identifiers { kind value }
  preferences { key value label weight source reason } consents { purpose granted }
  recentEvents(first: 20) { type occurredAt summary } } }"""

_LOOKUP = text(
    "SELECT p.id, p.first_name, p.last_name, p.merged_into_id, p.erased_at, p.version "
    "FROM identifiers i JOIN profiles p ON p.id = i.profile_id "
    "WHERE i.kind = 'CRM_ID' AND i.value = :v"
)
_IDENTIFIERS = text(
    "SELECT kind, value, touchpoint, created_at FROM identifiers WHERE profile_id = :p ORDER BY id"
)
_STATED = text(
    'SELECT "key", value, "like", weight, touchpoint, updated_at FROM preferences '
    "WHERE profile_id = :p ORDER BY updated_at DESC, id DESC"
)
_LEARNED = text(
    'SELECT "key", value, score, as_of, last_touchpoint, views, carts, purchases, returns '
    "FROM affinities WHERE profile_id = :p"
)
_CONSENTS = text(
    "SELECT purpose, granted, touchpoint, updated_at, expires_at FROM consents "
    "WHERE profile_id = :p"
)
_EVENTS = text(
    "SELECT id, type, touchpoint, occurred_at, product_sku, quantity, properties FROM events "
    "WHERE profile_id = :p ORDER BY occurred_at DESC, id DESC LIMIT 20"
)
_PRODUCTS = text("SELECT sku, name FROM products WHERE sku IN :skus").bindparams(
    bindparam("skus", expanding=True, type_=String())
)
_CATEGORIES = text("SELECT slug, name FROM categories WHERE slug IN :slugs").bindparams(
    bindparam("slugs", expanding=True, type_=String())
)
_SHOWN = 15  # learned interests in the answer, as the hub shows


def floor_app() -> Starlette:
    """GET /profile?crm=… : the same rows as the hub's profile read, as plain JSON."""
    from hub.db import Database

    db = Database(os.environ["RAPPORT_DATABASE_URL"])

    async def profile(request: Request) -> Response:
        async with db.engine.connect() as conn:
            found = (await conn.execute(_LOOKUP, {"v": request.query_params["crm"]})).first()
            if found is None:
                return Response(b'{"data":{"profile":null}}', media_type="application/json")
            pid = found.id
            identifiers = (await conn.execute(_IDENTIFIERS, {"p": pid})).all()
            stated = (await conn.execute(_STATED, {"p": pid})).all()
            learned = (await conn.execute(_LEARNED, {"p": pid})).all()
            learned = sorted(learned, key=lambda r: abs(r.score), reverse=True)[:_SHOWN]
            consents = (await conn.execute(_CONSENTS, {"p": pid})).all()
            events = (await conn.execute(_EVENTS, {"p": pid})).all()
            skus = {r.product_sku for r in events if r.product_sku}
            skus |= {r.value for r in (*stated, *learned) if r.key == "product"}
            slugs = {r.value for r in (*stated, *learned) if r.key == "category"}
            names = dict((await conn.execute(_PRODUCTS, {"skus": list(skus)})).all())
            names.update((await conn.execute(_CATEGORIES, {"slugs": list(slugs)})).all())
        body = {
            "id": pid,
            "name": f"{found.first_name or ''} {found.last_name or ''}".strip(),
            "identifiers": [{"kind": r.kind, "value": r.value} for r in identifiers],
            "preferences": [
                {"key": r.key, "value": r.value, "label": names.get(r.value), "weight": w}
                for r, w in [(r, r.weight) for r in stated] + [(r, r.score) for r in learned]
            ],
            "consents": [{"purpose": r.purpose, "granted": bool(r.granted)} for r in consents],
            "recentEvents": [
                {
                    "type": r.type,
                    "occurredAt": r.occurred_at,
                    "product": names.get(r.product_sku or ""),
                    "quantity": r.quantity,
                }
                for r in events
            ],
        }
        return Response(orjson.dumps({"data": {"profile": body}}), media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await db.dispose()

    return Starlette(routes=[Route("/profile", profile)], lifespan=lifespan)


# ---------------------------------------------------------------- driving both, side by side


def start_app(factory: str, env: dict[str, str], name: str) -> tuple[subprocess.Popen[bytes], int]:
    """A bench endpoint (`module:factory`) under uvicorn on a free port, once it answers
    `/profile` (`name` says which in the error when it does not start)."""
    from tests.pg import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={**os.environ, **env},
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/profile?crm=none")
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{name} did not start")


def _start_floor(database_url: str) -> tuple[subprocess.Popen[bytes], int]:
    return start_app(
        "bench.profile_floor:floor_app", {"RAPPORT_DATABASE_URL": database_url}, "the floor"
    )


def _drive(
    port: int, ask: Callable[[str], tuple[str, str, bytes | None]], values: list[str], clients: int
) -> list[float]:
    """Milliseconds of every request, `clients` threads sharing the list of values."""
    return drive(port, ask, values, clients, {"Content-Type": "application/json", **AUTH})[0]


AUTH: dict[str, str] = {}


def _floor_ask(value: str) -> tuple[str, str, bytes | None]:
    return "GET", f"/profile?crm={value}", None


def _hub_ask(value: str) -> tuple[str, str, bytes | None]:
    return "POST", "/graphql", orjson.dumps({"query": PROFILE, "variables": {"v": value}})


def _pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def _database(args: argparse.Namespace) -> tuple[str, dict[str, str], Any]:
    from tests.conftest import hub_command, prepare_database
    from tests.pg import PostgresServer

    if args.db == "postgres":
        server = PostgresServer().start()
        try:
            url = server.create_database("bench_" + uuid.uuid4().hex[:8])
            return url, prepare_database(url), server
        except BaseException:
            server.stop()
            raise
    directory = Path(tempfile.mkdtemp(prefix="rapport-floor-"))
    path = directory / "store.db"
    url = f"sqlite+aiosqlite:///{path}"
    if args.store is None:
        return url, prepare_database(url), None
    source = sqlite3.connect(args.store)
    source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    source.close()
    shutil.copyfile(args.store, path)
    keys = {}
    for channel in ("admin", "web", "kiosk"):
        keys[channel] = hub_command(
            url, "keys", "create", "--channel", channel, "--name", f"bench-{channel}"
        ).stdout.strip()
    return url, keys, None


def _crm_ids(url: str, n: int) -> list[str]:
    import asyncio

    from hub.db import Database

    async def read() -> list[str]:
        db = Database(url)
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT i.value FROM identifiers i JOIN profiles p ON p.id = i.profile_id "
                    "WHERE i.kind = 'CRM_ID' AND p.merged_into_id IS NULL "
                    "AND p.erased_at IS NULL ORDER BY i.value"
                )
            )
            found = [r[0] for r in rows]
        await db.dispose()
        return found

    found = asyncio.run(read())
    rng = random.Random(16)
    return [rng.choice(found) for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--store", help="a seeded SQLite file to copy (SQLite only)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--requests", type=int, default=600, help="per target, client count, round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--channel", default="admin", choices=["admin", "web", "kiosk"])
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument(
        "--baseline",
        help="the parent directory of another version's hub/ package, put on PYTHONPATH: "
        "a third target driven in the same rounds (before and after in one run)",
    )
    args = parser.parse_args()
    from tests.conftest import NO_TRAINING, start_hub, stop_hub

    url, keys, server = _database(args)
    AUTH["Authorization"] = f"Bearer {keys[args.channel]}"
    production = {
        "RAPPORT_ENV": "production",
        "RAPPORT_SECRET_KEY": uuid.uuid4().hex * 2,
        **NO_TRAINING,
        # The floor has no rate limit either (0: none for these channels).
        "RAPPORT_RATE_LIMITS": '{"admin": 0, "web": 0, "kiosk": 0}',
    }
    hubs: list[Any] = []
    floor: subprocess.Popen[bytes] | None = None
    results: dict[tuple[str, int], list[float]] = {}
    try:
        hubs.append(start_hub(url, keys, **production))
        floor, floor_port = _start_floor(url)
        targets = {"floor": (floor_port, _floor_ask), "hub": (_port(hubs[0].url), _hub_ask)}
        if args.baseline:
            hubs.append(start_hub(url, keys, PYTHONPATH=args.baseline, **production))
            targets["baseline"] = (_port(hubs[1].url), _hub_ask)
        values = _crm_ids(url, args.requests * args.rounds * len(args.clients) + 200)
        for port, ask in targets.values():  # warm-up: caches, pools, first loads
            _drive(port, ask, values[:100], 4)
        offset = 200
        for clients in args.clients:
            for round_ in range(args.rounds):
                batch = values[offset : offset + args.requests]
                offset += args.requests
                # Each target reads the same customers; who goes first (on colder caches)
                # rotates from round to round.
                order = list(targets.items())
                order = order[round_ % len(order) :] + order[: round_ % len(order)]
                for name, (port, ask) in order:
                    samples = _drive(port, ask, batch, clients)
                    results.setdefault((name, clients), []).extend(samples)
    finally:
        if floor is not None:
            floor.terminate()
            floor.wait(timeout=10)
        for hub in hubs:
            stop_hub(hub)
        if server is not None:
            server.stop()
        else:  # the SQLite store this run made or copied (a demo store's copy is ~250 MB)
            shutil.rmtree(Path(url.split(":///", 1)[1]).parent, ignore_errors=True)
    _report(args, results, list(targets))


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _report(
    args: argparse.Namespace, results: dict[tuple[str, int], list[float]], names: list[str]
) -> None:
    print(
        f"{args.db}, {args.store or 'sample store'}, {args.channel} key, "
        f"{args.rounds} rounds × {args.requests} requests per cell"
    )
    print(f"{'clients':>7} {'target':>8} {'p50 ms':>8} {'p99 ms':>8} {'× p50':>6} {'× p99':>6}")
    figures = []
    for clients in args.clients:
        base = results[("floor", clients)]
        for name in names:
            s = results[(name, clients)]
            p50, p99 = statistics.median(s), _pct(s, 99)
            r50, r99 = p50 / statistics.median(base), p99 / _pct(base, 99)
            print(f"{clients:7} {name:>8} {p50:8.2f} {p99:8.2f} {r50:6.2f} {r99:6.2f}")
            figures.append({"clients": clients, "target": name, "p50": p50, "p99": p99})
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
