"""PostgreSQL stores for bench/profiles_scale.py (`--db postgres`): the synthetic SQLite stores,
row for row, in databases of one PostgreSQL 15 cluster kept in the work directory.

Each database is made by `rapport-hub migrate` (so the schema is the hub's own: `events`
partitioned by month, message ids in `event_messages`), the months the events fall in get
their partitions first (`hub.events.partitions.create_month_sql`, as the hub makes them), then
every table the profile read touches is copied from the SQLite store with the two command-line
clients in a pipe (`sqlite3 -csv` into `psql \\copy … csv`: no Python per row), the id
sequences are moved past the copied ids, and the database is VACUUM ANALYZEd (planner
statistics and the visibility map, as autovacuum would leave a long-lived store). A database
is built once and reused while its marker table says the build finished.

The cluster runs as tests/pg.py starts it (fsync off: a benchmark's throw-away data, rebuilt
if lost) with the server's default 128 MB of shared buffers, so that, as on SQLite, what a
read finds in memory is mostly the OS page cache's. `evict` restarts the server (its buffers
empty) and drops the cluster's files from the OS page cache; `read_through` reads them in.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.scale_probes import _evict, _read_through
from hub.events.partitions import add_months, create_month_sql, month_of
from tests.pg import PostgresServer

# What the profile read (and the hub's start) reads, in an order the foreign keys accept.
TABLES = (
    "categories",
    "products",
    "profiles",
    "identifiers",
    "preferences",
    "consents",
    "affinities",
    "events",  # its trigger fills event_messages, as on SQLite
)
_DONE = "scale_build_done"  # a marker table: the copy finished


def cluster(workdir: Path) -> PostgresServer:
    """The benchmark's cluster in `workdir/pg`, started (made the first time)."""
    return PostgresServer(workdir / "pg").start()


def database(server: PostgresServer, store: Path, name: str) -> str:
    """The URL of `name`, a copy of the SQLite `store`; built now unless it is already."""
    if server.ask("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        if server.ask(name, f"SELECT to_regclass('{_DONE}') IS NOT NULL") == "t":
            return server.url(name)
        server.ask("postgres", f'DROP DATABASE "{name}"')
    url = server.create_database(name)
    subprocess.run(
        [str(Path(__file__).resolve().parents[1] / ".venv/bin/rapport-hub"), "migrate"],
        env={**os.environ, "RAPPORT_DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as source:
        first, last = source.execute(
            "SELECT min(occurred_at), max(occurred_at) FROM events"
        ).fetchone()
    month = month_of(_utc(first))
    while month <= month_of(_utc(last)):
        # One string: psql runs it as one transaction, which the LOCK needs.
        server.ask(name, "; ".join(create_month_sql(month)))
        month = add_months(month, 1)
    server.ask(name, f"TRUNCATE {', '.join(TABLES)}, event_messages CASCADE")
    for table in TABLES:
        _copy(server, store, name, table)
    for table in ("identifiers", "preferences", "consents", "events"):
        server.ask(
            name,
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))",
        )
    server.ask(name, "VACUUM (ANALYZE)")
    server.ask(name, f"CREATE TABLE {_DONE} ()")
    return server.url(name)


def evict(server: PostgresServer) -> None:
    """Shared buffers emptied (a restart) and the cluster's files out of the OS page cache."""
    server.halt()
    for path in _files(server):
        _evict(path)
    server.launch()


def read_through(server: PostgresServer) -> None:
    for path in _files(server):
        _read_through(path)


def _files(server: PostgresServer) -> list[Path]:
    return [p for p in (server.data / "base").rglob("*") if p.is_file()]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _columns(store: Path, table: str) -> list[str]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as source:
        return [row[1] for row in source.execute(f"PRAGMA table_info({table})")]


def _copy(server: PostgresServer, store: Path, name: str, table: str) -> None:
    columns = ", ".join(f'"{c}"' for c in _columns(store, table))
    dump = subprocess.Popen(
        ["sqlite3", "-readonly", "-csv", "-nullvalue", "\\N", str(store)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert dump.stdin is not None
    dump.stdin.write(f"SELECT {columns} FROM {table};\n")
    dump.stdin.close()
    load = subprocess.run(
        [
            *server.client(name),
            "-c",
            f"\\copy {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
        ],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
        env={**os.environ, "PGTZ": "UTC"},  # the store's times are UTC without a zone
    )
    if dump.wait() != 0 or load.returncode != 0:
        raise RuntimeError(f"copying {table}: {load.stderr.strip()}")
