"""The servers bench/postgraphile_peer.py compares and the database they share: a throw-away
PostgreSQL 15 migrated and seeded by the hub's own commands and made ready for PostGraphile
(`PEER_SQL`), PostGraphile 5 (bench/postgraphile/server.mjs, its pinned npm packages), the
one-statement probe (`ONE_STATEMENT`, `one_statement_app`), and pinning a server to a CPU and
reading the CPU time it used."""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.profile_floor import start_app  # noqa: E402

PEER_DIR = ROOT / "bench" / "postgraphile"
DEMO = ROOT.parent / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
SAMPLE = ROOT / "tests" / "data" / "retail_sample.csv.gz"

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


# ---------------------------------------------------------------- the database


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
        "bench.peer_servers:one_statement_app",
        {"PEER_ONE_DSN": dsn},
        "the one-statement probe",
    )


def _start_peer(server: Any, database: str) -> tuple[subprocess.Popen[bytes], int]:
    from tests.conftest import scratch
    from tests.pg import free_port

    port = free_port()
    log = open(scratch("postgraphile-") / "postgraphile.log", "wb")
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
