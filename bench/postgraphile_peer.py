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
summaries). PostGraphile gets `PEER_QUERY` below, which reads the same rows: the identifier
by its unique (kind, value), its profile, the profile's identifiers, stated preferences, top
15 learned interests, consents and 20 newest events with their products' names. What
PostGraphile cannot generate from the tables is added to the throw-away database by
`PEER_SQL` (documented there): three computed-column functions — `Profile.topInterests`
(the hub's ranking of learned interests: decayed to the profile's newest activity with the
default 30-day half-life, |score| ≥ 0.5, strongest 15), `Preference.label` and
`Event.productName` (product or category names) — and three `@behavior +orderBy` smart tags
so that identifiers, preferences and consents can be ordered as the hub orders them. The
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
import contextlib
import http.client
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.profile_floor import PROFILE, _crm_ids, _start_floor, start_app  # noqa: E402

PEER_DIR = ROOT / "bench" / "postgraphile"
DEMO = ROOT.parent / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
SAMPLE = ROOT / "tests" / "data" / "retail_sample.csv.gz"

PEER_QUERY = """query($v: String!) { identifierByKindAndValue(kind: "CRM_ID", value: $v) {
  profileByProfileId { rowId firstName lastName
    identifiersByProfileId(orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { nodes { kind value } }
    preferencesByProfileId(orderBy: [UPDATED_AT_DESC, ROW_ID_DESC]) {
      nodes { key value label like weight touchpoint origin updatedAt } }
    topInterests { nodes { key value label weight views carts purchases returns lastTouchpoint } }
    consentsByProfileId(orderBy: [PURPOSE_ASC]) { nodes { purpose granted touchpoint updatedAt } }
    eventsByProfileId(first: 20, orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC]) {
      nodes { type touchpoint occurredAt productSku productName quantity } } } } }"""

# Run as the superuser on the throw-away database before PostGraphile starts. 2592000 s is
# the hub's default affinity half-life (settings.affinity_half_life_days = 30).
PEER_SQL = """
CREATE FUNCTION preferences_label(p preferences) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE p.key
    WHEN 'product' THEN (SELECT name FROM products WHERE sku = p.value)
    WHEN 'category' THEN (SELECT name FROM categories WHERE slug = p.value) END
$$;
CREATE FUNCTION events_product_name(e events) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT name FROM products WHERE sku = e.product_sku
$$;
CREATE FUNCTION profiles_top_interests(p profiles)
RETURNS TABLE (key text, value text, weight double precision, label text, views int,
               carts int, purchases int, "returns" int, last_touchpoint text)
LANGUAGE sql STABLE AS $$
  WITH scored AS (
    SELECT a.key, a.value, a.views, a.carts, a.purchases, a.returns, a.last_touchpoint,
           a.score * power(2.0, -extract(epoch FROM max(a.as_of) OVER () - a.as_of)
                                / 2592000.0) AS decayed
    FROM affinities a WHERE a.profile_id = p.id
  )
  SELECT s.key, s.value, s.decayed,
         CASE s.key
           WHEN 'product' THEN (SELECT name FROM products WHERE sku = s.value)
           WHEN 'category' THEN (SELECT name FROM categories WHERE slug = s.value) END,
         s.views, s.carts, s.purchases, s.returns, s.last_touchpoint
  FROM scored s WHERE abs(s.decayed) >= 0.5
  ORDER BY abs(s.decayed) DESC LIMIT 15
$$;
COMMENT ON COLUMN identifiers.created_at IS E'@behavior +orderBy';
COMMENT ON COLUMN preferences.updated_at IS E'@behavior +orderBy';
COMMENT ON COLUMN consents.purpose IS E'@behavior +orderBy';
CREATE ROLE peer_reader LOGIN;
GRANT USAGE ON SCHEMA public TO peer_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO peer_reader;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO peer_reader;
"""


# ---------------------------------------------------------------- the two servers


def _npm_ci() -> None:
    """bench/postgraphile's pinned packages, installed again only when the lock file changed
    (the way scripts/setup installs tests/interop's)."""
    marker = PEER_DIR / "node_modules" / ".package-lock.json"
    lock = PEER_DIR / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PEER_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _wait_for(port: int, process: subprocess.Popen[bytes], path: str, body: bytes) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            if conn.getresponse().status in (200, 401):
                return
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server on port {port} did not start")


# The design the comparison points at, as a probe: the whole read as one statement that
# PostgreSQL answers with the JSON (the parts as subqueries, the learned interests ranked by
# PEER_SQL's function), served by a bare Starlette endpoint on an asyncpg pool — no GraphQL,
# no ORM, no transaction, no pre-ping. Not the hub: what Python in front of one statement costs.
ONE_STATEMENT = """
SELECT json_build_object(
  'id', p.id, 'firstName', p.first_name, 'lastName', p.last_name,
  'identifiers', (SELECT coalesce(json_agg(json_build_object('kind', x.kind, 'value', x.value)
                    ORDER BY x.created_at, x.id), '[]')
                  FROM identifiers x WHERE x.profile_id = p.id),
  'preferences', (SELECT coalesce(json_agg(json_build_object('key', s.key, 'value', s.value,
                    'label', preferences_label(s), 'weight', s.weight, 'like', s."like")
                    ORDER BY s.updated_at DESC, s.id DESC), '[]')
                  FROM preferences s WHERE s.profile_id = p.id),
  'interests', (SELECT coalesce(json_agg(t), '[]') FROM profiles_top_interests(p) t),
  'consents', (SELECT coalesce(json_agg(json_build_object('purpose', c.purpose,
                 'granted', c.granted) ORDER BY c.purpose), '[]')
               FROM consents c WHERE c.profile_id = p.id),
  'recentEvents', (SELECT coalesce(json_agg(e), '[]') FROM (
      SELECT v.type, v.occurred_at AS "occurredAt", v.quantity, d.name AS product
      FROM events v LEFT JOIN products d ON d.sku = v.product_sku
      WHERE v.profile_id = p.id ORDER BY v.occurred_at DESC, v.id DESC LIMIT 20) e)
)::text
FROM identifiers i JOIN profiles p ON p.id = i.profile_id
WHERE i.kind = 'CRM_ID' AND i.value = $1
"""


def one_statement_app() -> Any:
    """GET /profile?crm=… : the read as one statement (uvicorn --factory)."""
    import asyncpg
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    pools: list[Any] = []

    async def profile(request: Request) -> Response:
        async with pools[0].acquire() as conn:
            found = await conn.fetchval(ONE_STATEMENT, request.query_params["crm"])
        body = b'{"data":{"profile":' + (found or "null").encode() + b"}}"
        return Response(body, media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        pools.append(await asyncpg.create_pool(os.environ["PEER_ONE_DSN"], max_size=10))
        yield
        await pools[0].close()

    return Starlette(routes=[Route("/profile", profile)], lifespan=lifespan)


def _start_one_statement(server: Any, database: str) -> tuple[subprocess.Popen[bytes], int]:
    dsn = f"postgres://peer_reader@127.0.0.1:{server.port}/{database}"
    return start_app(
        "bench.postgraphile_peer:one_statement_app",
        {"PEER_ONE_DSN": dsn},
        "the one-statement probe",
    )


def _start_peer(server: Any, database: str) -> tuple[subprocess.Popen[bytes], int]:
    from tests.pg import free_port

    port = free_port()
    log = open(Path(tempfile.mkdtemp(prefix="rapport-pgl-")) / "postgraphile.log", "wb")
    process = subprocess.Popen(
        ["node", "--import", "./polyfill.mjs", "server.mjs"],
        cwd=PEER_DIR,
        env={
            **os.environ,
            "NODE_ENV": "production",
            "PGL_DATABASE_URL": f"postgres://peer_reader@127.0.0.1:{server.port}/{database}",
            "PGL_PORT": str(port),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _wait_for(port, process, "/graphql", b'{"query":"{__typename}"}')
    return process, port


def _pin(pid: int, cpu: str | None) -> None:
    if cpu is not None:
        subprocess.run(
            ["taskset", "-a", "-p", "-c", cpu, str(pid)], check=True, capture_output=True
        )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- driving both


def _drive(
    port: int, make: Any, headers: dict[str, str], values: list[str], clients: int
) -> tuple[list[float], float]:
    """Milliseconds of every request and the wall seconds of the whole turn."""
    samples: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    queue = iter(values)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        try:
            while True:
                with lock:
                    value = next(queue, None)
                if value is None:
                    break
                method, path, body = make(value)
                start = time.perf_counter()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                mine.append((time.perf_counter() - start) * 1000)
                if response.status != 200 or b'"errors"' in data or b":null}}" in data:
                    raise RuntimeError(f"{port} {value}: {response.status} {data[:300]!r}")
        except Exception as error:
            failures.append(repr(error))
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if failures or len(samples) != len(values):
        raise RuntimeError(f"a client failed: {failures[:1]}")
    return samples, wall


def _hub_body(value: str) -> bytes:
    return orjson.dumps({"query": PROFILE, "variables": {"v": value}})


def _peer_body(value: str) -> bytes:
    return orjson.dumps({"query": PEER_QUERY, "variables": {"v": value}})


def _hub_ask(value: str) -> tuple[str, str, bytes | None]:
    return "POST", "/graphql", _hub_body(value)


def _peer_ask(value: str) -> tuple[str, str, bytes | None]:
    return "POST", "/graphql", _peer_body(value)


def _floor_ask(value: str) -> tuple[str, str, bytes | None]:
    return "GET", f"/profile?crm={value}", None


def _post(port: int, body: bytes, headers: dict[str, str]) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/graphql", body=body, headers=headers)
    data = orjson.loads(conn.getresponse().read())
    conn.close()
    return data["data"]


def _same_rows(hub_port: int, hub_headers: dict[str, str], peer_port: int, value: str) -> None:
    """Both answers hold the same rows in the same order (the hub's weights are shown
    normalised and its consents with the policy's defaults, so those are not compared)."""
    hub = _post(hub_port, _hub_body(value), hub_headers)["profile"]
    peer = _post(peer_port, _peer_body(value), {"Content-Type": "application/json"})
    peer = peer["identifierByKindAndValue"]["profileByProfileId"]
    assert hub["identifiers"] == peer["identifiersByProfileId"]["nodes"], value
    stated = [(p["key"], p["value"], p["label"]) for p in peer["preferencesByProfileId"]["nodes"]]
    mine = [(p["key"], p["value"], p["label"]) for p in hub["preferences"]]
    assert mine[: len(stated)] == stated, f"{value}: {mine} != {stated}"
    # Learned interests of equal strength may come in either order, and a tie at the 15th
    # place may be cut either way (neither server orders ties); all else must be the same.
    learned = peer["topInterests"]["nodes"]
    weakest = min((abs(p["weight"]) for p in learned), default=0.0)
    theirs = {(p["key"], p["value"], p["label"]): abs(p["weight"]) for p in learned}
    only_theirs = set(theirs) - set(mine[len(stated) :])
    assert len(mine) - len(stated) == len(theirs), value
    assert all(math.isclose(theirs[t], weakest) for t in only_theirs), f"{value}: {only_theirs}"
    granted = {c["purpose"]: c["granted"] for c in peer["consentsByProfileId"]["nodes"]}
    assert all(c["granted"] == granted.get(c["purpose"], c["granted"]) for c in hub["consents"])
    events = peer["eventsByProfileId"]["nodes"]
    assert [(e["type"], _instant(e["occurredAt"])) for e in hub["recentEvents"]] == [
        (e["type"], _instant(e["occurredAt"])) for e in events
    ], value


def _same_as_peer(one_port: int, peer_port: int, value: str) -> None:
    """The one-statement probe reads the rows PostGraphile reads."""
    conn = http.client.HTTPConnection("127.0.0.1", one_port, timeout=60)
    conn.request("GET", f"/profile?crm={value}")
    mine = orjson.loads(conn.getresponse().read())["data"]["profile"]
    conn.close()
    peer = _post(peer_port, _peer_body(value), {"Content-Type": "application/json"})
    peer = peer["identifierByKindAndValue"]["profileByProfileId"]
    assert mine["identifiers"] == peer["identifiersByProfileId"]["nodes"], value
    assert [(p["key"], p["value"]) for p in mine["interests"]] == [
        (p["key"], p["value"]) for p in peer["topInterests"]["nodes"]
    ], value
    assert [(e["type"], _instant(e["occurredAt"])) for e in mine["recentEvents"]] == [
        (e["type"], _instant(e["occurredAt"])) for e in peer["eventsByProfileId"]["nodes"]
    ], value


def _instant(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def _prepare(seed: str) -> tuple[Any, str, str, str]:
    from tests.conftest import hub_command
    from tests.pg import PostgresServer, _bin

    server = PostgresServer().start()
    try:
        database = "peer_" + uuid.uuid4().hex[:8]
        url = server.create_database(database)
        hub_command(url, "migrate")
        started = time.perf_counter()
        hub_command(url, "seed-demo", str(DEMO if seed == "demo" else SAMPLE), "--no-keys")
        print(f"seeded ({seed}) in {time.perf_counter() - started:.0f} s", flush=True)
        key = hub_command(url, "keys", "create", "--channel", "admin", "--name", "bench")
        server._run(
            _bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(server.port),
            "-U", "postgres", "-d", database, "-c", PEER_SQL,
        )  # fmt: skip
        return server, url, database, key.stdout.strip()
    except BaseException:
        server.stop()
        raise


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
    from tests.conftest import start_hub, stop_hub

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
            RAPPORT_RETRAIN_ON_START="false",
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
                    cpu_before = _cpu_seconds(pid)
                    samples, wall = _drive(port, make, headers, batch, clients)
                    cell = (name, clients)
                    cpus[cell] = cpus.get(cell, 0.0) + _cpu_seconds(pid) - cpu_before
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
