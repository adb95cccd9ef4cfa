"""The operator's commands, as an operator runs them."""

from __future__ import annotations

import csv
import gzip
import re

from sqlalchemy import func, select

from hub.catalog.demo_data import HEADER
from hub.catalog.models import Product
from hub.db import Database
from hub.profiles.models import Profile
from tests.conftest import SAMPLE, hub_command


def test_seed_demo_prints_working_keys_and_is_idempotent(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("seed")
    first = hub_command(url, "seed-demo", str(SAMPLE))
    keys = dict(re.findall(r"^\s+(web|kiosk|callcenter|admin)\s+(rk_\S+)$", first.stdout, re.M))
    assert set(keys) == {"web", "kiosk", "callcenter", "admin"}
    assert "username demo.agent" in first.stdout
    assert "events: 2902 new, 0 already there" in first.stderr.replace("\n", " ")
    assert "campaigns: ran “A/A check" in first.stderr, "the demo's A/A check"
    second = hub_command(url, "seed-demo", str(SAMPLE))
    assert "events: 0 new, 2902 already there" in second.stderr.replace("\n", " ")
    assert "campaigns: ran" not in second.stderr, "seeded once"
    listed = hub_command(url, "keys", "list").stdout
    assert listed.count("active") == 4 and listed.count("revoked") == 4
    assert all(key not in listed for key in keys.values()), "secrets are never listed"
    retrained = hub_command(url, "retrain")
    assert "trained ease" in retrained.stderr


def test_bad_arguments_are_clear(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("cli")
    bad = hub_command(url, "keys", "create", "--channel", "self", check=False)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    weak = hub_command(url, "agents", "create", "--username", "a b", "--password", "x", check=False)
    assert weak.returncode == 2 and "error:" in weak.stderr and "Traceback" not in weak.stderr
    for args, said in (
        (("serve", "--port", "99999"), "--port: 99999 is not between 1 and 65535"),
        (("serve", "--workers", "0"), "--workers: 0 is not between 1 and 256"),
        (("import", "--chunk", "0", "events.ndjson"), "--chunk: 0 is not between 1 and"),
        (("report", "--days", "-5"), "--days: -5 is not between 1 and"),
        (("backtest", "--horizon-days", "x"), "--horizon-days: 'x' is not a whole number"),
    ):
        refused = hub_command(url, *args, check=False)
        assert refused.returncode == 2 and said in refused.stderr, (args, refused.stderr)


def test_bad_dates_and_unwritable_pages_are_refused_before_any_work(  # type: ignore[no-untyped-def]
    make_database, tmp_path
) -> None:
    """A mistyped date or an --output in a folder that is not there is a usage error, said at
    once: not a traceback, and not after a backtest has run for minutes."""
    url = make_database("cli-pages")
    missing = str(tmp_path / "no-such-folder" / "page.html")
    for args, said in (
        (("report", "--from", "notadate"), "--from: 'notadate' is not a date (YYYY-MM-DD)"),
        (("report", "--to", "2010-13-01"), "--to: '2010-13-01' is not a date (YYYY-MM-DD)"),
        (("backtest", "--cutoff", "1 May"), "--cutoff: '1 May' is not a date (YYYY-MM-DD)"),
        (("report", "--output", missing), f"--output: no folder {tmp_path / 'no-such-folder'}"),
        (("backtest", str(SAMPLE), "--output", missing), "--output: no folder"),
        (("export-schema", "--output", missing), "--output: no folder"),
        (("report", "--output", str(tmp_path)), f"--output: {tmp_path} is a folder"),
    ):
        refused = hub_command(url, *args, check=False)
        assert refused.returncode == 2, (args, refused.stderr)
        assert said in refused.stderr and "Traceback" not in refused.stderr, (args, refused.stderr)
    backwards = hub_command(
        url, "report", "--from", "2010-05-01", "--to", "2010-01-01", check=False
    )
    assert backwards.returncode == 2 and "Traceback" not in backwards.stderr
    assert "--from (2010-05-01) must be before --to (2010-01-01)" in backwards.stderr
    assert not (tmp_path / "no-such-folder").exists()


def test_commands_on_a_store_without_its_schema_or_out_of_reach_say_so(  # type: ignore[no-untyped-def]
    make_database,
) -> None:
    """`keys`, `agents`, `report`, `retrain` and `retention` on a store nobody migrated yet, or
    one that cannot be reached, answered with a driver's traceback ("no such table")."""
    url = make_database("cli-fresh")
    for args in (("keys", "list"), ("retention",), ("retrain",)):
        done = hub_command(url, *args, check=False)  # a dev store: brought up to date, as serve
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
    away = "postgresql+asyncpg://rapport:s3cret@127.0.0.1:9/rapport"
    for args in (("keys", "list"), ("agents", "disable", "--username", "ann"), ("serve",)):
        done = hub_command(away, *args, check=False)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (args, done.stderr)
        assert "cannot reach the store at postgresql+asyncpg://rapport:***@127.0.0.1:9" in (
            done.stderr
        )
        assert "s3cret" not in done.stderr


def test_report_writes_one_page_with_every_metric(make_database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = make_database("report")
    hub_command(url, "seed-demo", str(SAMPLE), "--no-keys")
    out = tmp_path / "report.html"
    hub_command(url, "report", "--days", "400", "--output", str(out))
    page = out.read_text()
    for title in (
        "Does personalisation pay?",
        "Conversion",
        "Average order value",
        "Orders per customer",
        "Click-through on picks",
        "Revenue from picks",
    ):
        assert title in page
    assert "<svg" in page and "http" not in page.replace("https://", "").split("<body>")[0]
    assert "no picks were shown" in page
    assert "No next best action was answered in this window." in page


def test_the_report_shows_how_next_best_actions_were_answered() -> None:
    from datetime import UTC, datetime

    from hub.recs.evaluation import ActionResponses, Evaluation, GroupStats
    from hub.report import render

    now = datetime(2026, 11, 24, tzinfo=UTC)
    page = render(
        Evaluation(
            now,
            now,
            None,
            GroupStats(),
            GroupStats(),
            [],
            [ActionResponses("OFFER", 3, 1), ActionResponses("DATA_QUALITY", 0, 2)],
        ),
        5.0,
    )
    cells = r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td></tr>"
    rows = re.findall(cells, page)
    assert rows == [("Segment offers", "3", "1", "75%"), ("Profile upkeep", "0", "2", "0%")]
    assert "No next best action was answered" not in page


def test_bulk_commands_collect_less_often_and_serve_keeps_the_defaults(  # type: ignore[no-untyped-def]
    make_database, tmp_path
) -> None:
    """`import` runs with the bulk collector settings (hub/memory.py); the app's start freezes
    what it built but keeps CPython's thresholds."""
    import json
    import os
    import subprocess
    import sys

    url = make_database("gc")
    events = tmp_path / "events.ndjson"
    events.write_text(json.dumps({"messageId": "gc-1", "type": "VIEW"}) + "\n")
    probe = (
        "import gc, sys\n"
        "from hub import cli, memory\n"
        "cli.main(['import', sys.argv[1]])\n"
        "assert gc.get_threshold() == memory.BULK_THRESHOLDS, gc.get_threshold()\n"
        "assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()\n"
        "gc.unfreeze(); gc.set_threshold(700, 10, 10)\n"
        "memory.settle()\n"
        "assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() > 10_000\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(events)],
        env={**os.environ, "RAPPORT_DATABASE_URL": url, "RAPPORT_ENV": "dev"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert "1 refused" in done.stderr  # the line was read, checked and refused


def test_vacuum_rewrites_an_old_store_with_big_pages_and_refuses_one_in_use(  # type: ignore[no-untyped-def]
    make_database, tmp_path
) -> None:
    """A SQLite store made with 4 KiB pages (before 8 KiB became the default) is rewritten
    with 8 KiB pages, every row kept, back in WAL; while a hub has it open, nothing changes.
    On PostgreSQL the command is VACUUM (ANALYZE), run beside a serving hub."""
    import sqlite3
    from contextlib import closing

    from tests.conftest import start_hub, stop_hub

    def opened(path: str) -> closing[sqlite3.Connection]:  # closed after: vacuum needs it alone
        return closing(sqlite3.connect(path, isolation_level=None))

    def page_size(path: str) -> int:
        with opened(path) as c:
            return int(c.execute("PRAGMA page_size").fetchone()[0])

    url = make_database("vacuum")
    store = None
    if url.startswith("sqlite"):
        store = url.split(":///", 1)[1]
        with opened(store) as made:  # as a store made before
            made.execute("PRAGMA page_size=4096")
            made.execute("PRAGMA journal_mode=WAL")
    hub_command(url, "seed-demo", str(SAMPLE), "--no-keys")

    def counts() -> tuple[int, ...]:
        assert store is not None
        with opened(store) as c:
            return tuple(
                c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("profiles", "identifiers", "events", "affinities", "audit_log")
            )

    if store is not None:
        assert page_size(store) == 4096
        before = counts()
    hub = start_hub(url, {})
    try:
        busy = hub_command(url, "vacuum", check=False)
        if store is not None:
            assert busy.returncode == 1, busy.stderr
            assert "open elsewhere" in busy.stderr and "Traceback" not in busy.stderr
            assert page_size(store) == 4096
        else:
            assert busy.returncode == 0 and "vacuumed and analysed" in busy.stderr
    finally:
        stop_hub(hub)
    if store is None:
        return
    done = hub_command(url, "vacuum")
    assert re.search(r"MB in 4 KiB pages → [\d.,]+ MB in 8 KiB pages", done.stderr), done.stderr
    with opened(store) as after:
        assert after.execute("PRAGMA page_size").fetchone() == (8_192,)
        assert after.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert after.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert counts() == before
    again = hub_command(url, "vacuum")  # nothing left to change: the same pages again
    assert "in 8 KiB pages → " in again.stderr


async def test_seed_demo_reads_an_export_and_refuses_a_broken_one_whole(  # type: ignore[no-untyped-def]
    make_database, tmp_path
) -> None:
    """A plain CSV with the original Online Retail's column names seeds like the demo file; a
    copy with one bad date near its end is refused with where and why, before anything is
    written (no products, no profiles), and without a stack trace."""
    with gzip.open(SAMPLE, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    export = tmp_path / "export.csv"
    with export.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                         "UnitPrice", "CustomerID", "Country"])  # fmt: skip
        writer.writerows(rows)
    url = make_database("export")
    done = hub_command(url, "seed-demo", str(export), "--no-keys")
    assert "events: 2902 new, 0 already there" in done.stderr.replace("\n", " ")

    rows[-5][4] = "2010-13-45 10:00:00"
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    empty = make_database("broken")
    refused = hub_command(empty, "seed-demo", str(broken), "--no-keys", check=False)
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 2, refused.stderr
    assert f"line {len(rows) - 3}: InvoiceDate '2010-13-45 10:00:00' is not a date" in said
    assert "Traceback" not in refused.stderr
    db = Database(empty)
    try:
        async with db.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Product)) == 0
            assert await session.scalar(select(func.count()).select_from(Profile)) == 0
    finally:
        await db.dispose()
    backtest = hub_command(empty, "backtest", str(broken), "--output", str(tmp_path / "b.html"),
                           check=False)  # fmt: skip
    assert backtest.returncode == 2 and "is not a date" in backtest.stderr
    assert "Traceback" not in backtest.stderr
