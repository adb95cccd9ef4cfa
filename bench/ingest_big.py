"""`rapport-hub import` into a store with over a million events, against a raw executemany of
the same rows into the same table at the same size (issue 16, goal 3).

Usage: .venv/bin/python bench/ingest_big.py [--store /tmp/rapport-big.db] [--lines 50000]
           [--runs 2] [--chunk 10000] [--data ../shared/data/online_retail_ii_2009_2010.csv.gz]
           [--postgres]

The store (built once, then reused from --store): `seed-demo` from the data file (415,717 real
events, their learned interests), then 600,000 synthetic events imported with `rapport-hub
import`: each one an invoice line of the data drawn at random — its product, its moment less up
to a day — looked at (VIEW, every fifth an ADD_TO_CART) by the line's own customer (a third) or
by one of 60,000 anonymous visitors: 1,015,717 events and their interests stored.

Each run imports the same file (`--lines` events like bench/import_events.py's: half from the
demo's CRM customers, half from 5,000 anonymous visitors, every third a PURCHASE; December
2010) with the real CLI into a fresh copy of the store. Floor, in the same run: a fresh copy of
the same store, and the same rows (same message ids, profiles, times, products) inserted into
its `events` table — the same shape, size, indexes and message-id trigger — with stdlib sqlite3
executemany and one commit; beside it, the same rows committed every `--chunk` rows, as the
import commits its transactions (each commit writes every page the rows touched to the log, and
at a million events that is most of a commit's cost). With --postgres, the same import into a
PostgreSQL 15 store seeded with the demo data (a throw-away server, tests/pg.py), against
asyncpg executemany of the same rows into that store's `events`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.import_events import write_events
from hub.catalog.demo_data import LineRow, read_lines
from tests.conftest import hub_command

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
SYNTHETIC = 600_000


def write_synthetic(path: Path, lines: list[LineRow], count: int) -> None:
    rng = random.Random(1_000_000)
    with path.open("w") as out:
        for n in range(count):
            line = rng.choice(lines)
            who = (
                {"kind": "CRM_ID", "value": line.customer_id}
                if n % 3 == 0
                else {"kind": "ANONYMOUS_ID", "value": f"big-visitor-{rng.randrange(60_000)}"}
            )
            at = line.occurred_at - timedelta(minutes=rng.randrange(1440))
            event = {
                "messageId": f"big-{n}",
                "identifier": who,
                "type": "ADD_TO_CART" if n % 5 == 0 else "VIEW",
                "touchpoint": "WEB",
                "occurredAt": at.isoformat(),
                "productSku": line.sku,
            }
            out.write(json.dumps(event) + "\n")


def build(store: Path, data: str, work: Path) -> None:
    url = f"sqlite+aiosqlite:///{store}"
    started = time.perf_counter()
    hub_command(url, "migrate")
    hub_command(url, "seed-demo", data, "--no-keys")
    synthetic = work / "synthetic.ndjson"
    write_synthetic(synthetic, list(read_lines(data)), SYNTHETIC)
    done = hub_command(url, "import", str(synthetic), "--chunk", "10000")
    print(done.stderr.strip().splitlines()[-1], file=sys.stderr)
    with sqlite3.connect(store) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"built {store} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def floor_rows(events: Path, store: Path) -> list[tuple[object, ...]]:
    """The file's events as `events` rows, on the store's profiles (a CRM id's own profile;
    visitors spread over existing profiles: the floor resolves and creates nothing)."""
    with sqlite3.connect(store) as raw:
        owners = dict(
            (v, (p, i)) for v, p, i in raw.execute("SELECT value, profile_id, id FROM identifiers")
        )
        some = list(owners.values())
    received = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for n, text in enumerate(events.read_text().splitlines()):
        e = json.loads(text)
        profile_id, identifier_id = owners.get(e["identifier"]["value"]) or some[n % len(some)]
        at = datetime.fromisoformat(e["occurredAt"].replace("Z", "+00:00"))
        rows.append(
            (
                e["messageId"], profile_id, identifier_id, e["type"], e["touchpoint"],
                at.strftime("%Y-%m-%d %H:%M:%S.%f"), received, e["productSku"],
                e.get("quantity"), e.get("price"), "{}",
            )
        )  # fmt: skip
    return rows


def sqlite_floor(
    store: Path, work: Path, rows: list[tuple[object, ...]], per_commit: int | None = None
) -> float:
    """Rows a second inserted with stdlib sqlite3 executemany into a copy of the store: in one
    transaction, or committed every `per_commit` rows (the import's transactions)."""
    target = work / "floor.db"
    shutil.copy(store, target)
    step = per_commit or len(rows)
    with sqlite3.connect(target) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA cache_size=-65536")
        start = time.perf_counter()
        for at in range(0, len(rows), step):
            raw.executemany(
                "INSERT INTO events (message_id, profile_id, identifier_id, type, touchpoint, "
                "occurred_at, received_at, product_sku, quantity, price, properties) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows[at : at + step],
            )
            raw.commit()
        rate = len(rows) / (time.perf_counter() - start)
    for stale in work.glob("floor.db*"):
        stale.unlink()
    return rate


def write_bench_events(path: Path, data: str, lines: int) -> None:
    """The file each run imports: bench/import_events.py's events (half from the data's CRM
    customers, half from anonymous visitors, every third a PURCHASE) over the data's products."""
    sample = list(read_lines(data))
    write_events(
        path,
        lines,
        sorted({line.customer_id for line in sample}),
        sorted({line.sku for line in sample}),
    )


def import_rate(url: str, events: Path, chunk: int = 10_000, window: int | None = None) -> float:
    more = [] if window is None else ["--window", str(window)]
    done = hub_command(url, "import", str(events), "--chunk", str(chunk), *more)
    return events_per_second(done.stdout + done.stderr)


def grouped(rows: list[tuple[object, ...]], events: Path) -> list[tuple[object, ...]]:
    """The floor's rows in the order the import stores them (by identifier, each
    identifier's in the file's order: `importer.storage_order`, the file being one window)."""
    whos = [json.loads(text)["identifier"] for text in events.read_text().splitlines()]
    order = sorted(range(len(rows)), key=lambda n: (whos[n]["kind"], whos[n]["value"]))
    return [rows[n] for n in order]


def events_per_second(output: str) -> float:
    """The rate `rapport-hub import` reports ("(… s, 8,615 events/s)")."""
    found = re.search(r"([\d,]+) events/s", output)
    assert found, output
    return float(found.group(1).replace(",", ""))


def postgres_figures(
    data: str, events: Path, runs: int, chunk: int, file_order: bool
) -> dict[str, float]:
    """On a throw-away PostgreSQL 15: the demo store seeded once, each run (and the floor) on
    a copy of it (CREATE DATABASE … TEMPLATE)."""
    from tests.pg import PostgresServer

    server = PostgresServer().start()
    try:
        seeded = server.create_database("big_seed")
        hub_command(seeded, "migrate")
        hub_command(seeded, "seed-demo", data, "--no-keys")
        rates: dict[str, float] = {}
        for run in range(1, runs + 1):
            url = asyncio.run(copy_of(seeded, f"big_run_{run}"))
            rates[f"PostgreSQL: rapport-hub import, run {run}"] = import_rate(url, events, chunk)
            if file_order:
                url = asyncio.run(copy_of(seeded, f"big_file_order_{run}"))
                label = f"  the same with --window 0 (file order), run {run}"
                rates[label] = import_rate(url, events, chunk, 0)
        url = asyncio.run(copy_of(seeded, "big_floor"))
        lines = events.read_text().splitlines()
        rates["PostgreSQL: asyncpg executemany (floor)"] = asyncio.run(pg_floor(url, lines))
        return rates
    finally:
        server.stop()


async def copy_of(url: str, name: str) -> str:
    import asyncpg

    from hub.db import asyncpg_connect_args

    options = asyncpg_connect_args(url)
    template = options.pop("database")
    connection = await asyncpg.connect(**options, database="postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await connection.close()
    return url.rsplit("/", 1)[0] + "/" + name


async def pg_floor(url: str, lines: list[str]) -> float:
    import asyncpg

    from hub.db import asyncpg_connect_args

    connection = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        owners = {
            r["value"]: (r["profile_id"], r["id"])
            for r in await connection.fetch("SELECT value, profile_id, id FROM identifiers")
        }
        some = list(owners.values())
        received = datetime.now(UTC)
        rows = []
        for n, text in enumerate(lines):
            e = json.loads(text)
            pid, iid = owners.get(e["identifier"]["value"]) or some[n % len(some)]
            at = datetime.fromisoformat(e["occurredAt"].replace("Z", "+00:00"))
            price = e.get("price")
            rows.append(
                (
                    e["messageId"], pid, iid, e["type"], e["touchpoint"], at, received,
                    e["productSku"], e.get("quantity"), None if price is None else str(price),
                    "{}",
                )
            )  # fmt: skip
        start = time.perf_counter()
        async with connection.transaction():
            await connection.executemany(
                "INSERT INTO events (message_id, profile_id, identifier_id, type, touchpoint, "
                "occurred_at, received_at, product_sku, quantity, price, properties) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11::jsonb)",
                rows,
            )
        return len(rows) / (time.perf_counter() - start)
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="/tmp/rapport-big.db")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--chunk",
        type=int,
        default=10_000,
        help="the import's events per transaction (and the second floor's rows per commit)",
    )
    parser.add_argument(
        "--file-order",
        action="store_true",
        help="also import with --window 0 (the file's order, a chunk at a time), alternated",
    )
    args = parser.parse_args()
    store = Path(args.store)
    work = Path(tempfile.mkdtemp(prefix="rapport-ingest-big-"))
    try:
        if not store.exists():
            build(store, args.data, work)
        with sqlite3.connect(store) as raw:
            stored = raw.execute("SELECT count(*) FROM events").fetchone()[0]
            interests = raw.execute("SELECT count(*) FROM affinities").fetchone()[0]
        events = work / "events.ndjson"
        write_bench_events(events, args.data, args.lines)
        rows = floor_rows(events, store)
        in_order = grouped(rows, events)
        floors: list[float] = []
        chunked: list[float] = []
        ordered: list[float] = []
        rates: list[float] = []
        file_order: list[float] = []
        for _ in range(args.runs):
            floors.append(sqlite_floor(store, work, rows))
            ordered.append(sqlite_floor(store, work, in_order))
            if args.chunk < len(rows):
                chunked.append(sqlite_floor(store, work, rows, args.chunk))
            ways: list[tuple[int | None, list[float]]] = [(None, rates)]
            if args.file_order:
                ways.append((0, file_order))
            for window, into in ways:
                target = work / "import.db"
                shutil.copy(store, target)
                url = f"sqlite+aiosqlite:///{target}"
                into.append(import_rate(url, events, args.chunk, window))
                for stale in work.glob("import.db*"):
                    stale.unlink()
        floor = statistics.median(floors)
        print(f"SQLite store: {stored:,} events, {interests:,} learned interests; {args.lines:,}")
        print(f"{'':52} {'events/s':>10} {'÷ floor':>8}")
        print(f"{'raw sqlite3 executemany, same table (floor)':52} {floor:10,.0f} {1:8.2f}")
        same = statistics.median(ordered)
        label = "the same rows in the import's order (by customer)"
        print(f"{label:52} {same:10,.0f} {same / floor:8.2f}")
        if chunked:
            same = statistics.median(chunked)
            label = f"the same, committed every {args.chunk:,} rows"
            print(f"{label:52} {same:10,.0f} {same / floor:8.2f}")
        for run, rate in enumerate(rates, 1):
            label = f"rapport-hub import --chunk {args.chunk}, run {run}"
            print(f"{label:52} {rate:10,.0f} {rate / floor:8.2f}")
        for run, rate in enumerate(file_order, 1):
            label = f"  the same with --window 0 (file order), run {run}"
            print(f"{label:52} {rate:10,.0f} {rate / floor:8.2f}")
        if args.postgres:
            figures = postgres_figures(args.data, events, args.runs, args.chunk, args.file_order)
            pg_floor_rate = figures.pop("PostgreSQL: asyncpg executemany (floor)")
            print(f"{'PostgreSQL (demo store): asyncpg executemany':44} {pg_floor_rate:10,.0f}")
            for name, rate in figures.items():
                print(f"{name:44} {rate:10,.0f} {rate / pg_floor_rate:8.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
