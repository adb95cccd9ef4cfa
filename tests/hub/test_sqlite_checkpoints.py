"""SQLite commits leave the copying of the write-ahead log to the checkpointer's own thread
(hub/sqlite_driver.py): a commit only appends to the log, the checkpointer copies it into the
database file a moment later, SQLite's own rule still takes over past its mark, and nothing is
left running or uncopied once the store is closed."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from hub import sqlite_driver
from hub.db import SQLITE_PAGE_SIZE, Database

BLOB = 6_000  # bytes a row: one row a page (a new store's pages are 8 KiB)
ROWS = 3_000  # a commit of ~3,000 pages, three times SQLite's default mark of 1,000
LIMIT = 1_000_000  # bytes of log file kept once the log starts again


async def _write(db: Database, rows: int = ROWS) -> None:
    async with db.sessions() as session:
        await session.execute(text("CREATE TABLE IF NOT EXISTS blobs (b BLOB)"))
        await session.execute(
            text("INSERT INTO blobs VALUES (randomblob(:n))"), [{"n": BLOB}] * rows
        )
        await session.commit()


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


async def _until(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the checkpointer did not copy the log"
        await asyncio.sleep(0.02)


async def test_a_commit_appends_and_the_checkpointer_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_driver, "JOURNAL_SIZE_LIMIT", LIMIT)
    store = tmp_path / "store.db"
    db = Database(f"sqlite+aiosqlite:///{store}")
    checkpointer = db.engine.sync_engine.rapport_checkpointer
    assert isinstance(checkpointer, sqlite_driver.Checkpointer)
    real_poke = sqlite_driver.Checkpointer.poke
    pokes: list[int] = []
    monkeypatch.setattr(sqlite_driver.Checkpointer, "poke", lambda self: pokes.append(1))
    try:
        await _write(db)
        # The commit did not copy its ~18 MB into the file (SQLite's default rule would
        # have, inside that commit): they are in the log, and the checkpointer was told.
        assert pokes
        assert _size(store) < 1_000_000 < 9_000_000 < _size(Path(f"{store}-wal"))
        async with db.sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM blobs"))).scalar() == ROWS
        monkeypatch.setattr(sqlite_driver.Checkpointer, "poke", real_poke)
        await _write(db, rows=1)
        await _until(lambda: _size(store) > 9_000_000 and checkpointer.checkpoints >= 1)
        # Copied: the next write starts the log again, and its file is cut back to the limit.
        await _write(db, rows=1)
        assert _size(Path(f"{store}-wal")) <= LIMIT
        thread = checkpointer._thread
        assert thread is not None and thread.is_alive()
    finally:
        await db.dispose()
    # Closed: the thread has ended, and the last connection's close copied what was left.
    assert thread is not None and not thread.is_alive()
    assert _size(Path(f"{store}-wal")) == 0  # no log left
    checkpointer.poke()  # a late commit's poke starts nothing once closed
    assert checkpointer._thread is None


async def test_sqlite_own_rule_takes_over_past_the_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpointer that cannot keep up (here: never runs) leaves the log to SQLite's own
    rule past AUTOCHECKPOINT_BYTES: the log does not grow without bound."""
    monkeypatch.setattr(sqlite_driver, "AUTOCHECKPOINT_BYTES", 8_192_000)
    monkeypatch.setattr(sqlite_driver.Checkpointer, "poke", lambda self: None)
    store = tmp_path / "store.db"
    db = Database(f"sqlite+aiosqlite:///{store}")
    try:
        await _write(db)
        assert _size(store) > 9_000_000  # the commit copied the log itself
    finally:
        await db.dispose()


async def test_an_idle_checkpointer_ends_its_thread_and_a_commit_starts_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_driver, "CHECKPOINTER_IDLE_SECONDS", 0.2)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    checkpointer = db.engine.sync_engine.rapport_checkpointer
    try:
        await _write(db, rows=10)
        first = checkpointer._thread
        assert first is not None
        await _until(lambda: checkpointer._thread is None)
        first.join(5)
        assert not first.is_alive()
        await _write(db, rows=10)
        assert checkpointer._thread is not None and checkpointer._thread is not first
        await _until(lambda: checkpointer.checkpoints >= 2)
    finally:
        await db.dispose()


def test_no_checkpointer_where_there_is_no_log_to_copy(tmp_path: Path) -> None:
    assert sqlite_driver.checkpointer_for(":memory:") is None
    assert sqlite_driver.checkpointer_for("file:x?mode=memory&cache=shared", uri=True) is None
    assert sqlite_driver.checkpointer_for(f"file:{tmp_path}/x.db?mode=ro", uri=True) is None
    found = sqlite_driver.checkpointer_for(str(tmp_path / "x.db"))
    assert found is not None and found.database == str(tmp_path / "x.db")
    # A store that is not there is not created by its checkpointer (nothing to copy).
    found.poke()
    deadline = time.monotonic() + 5
    while found._wanted.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)  # until its thread takes the poke and tries to open the store
    found.close()  # waits for that try
    assert not (tmp_path / "x.db").exists()
    memory = Database("sqlite+aiosqlite://")
    assert memory.engine.sync_engine.rapport_checkpointer is None
    asyncio.run(memory.dispose())


async def test_a_new_store_has_big_pages_and_an_old_store_keeps_its_own(tmp_path: Path) -> None:
    """A store the hub creates gets SQLITE_PAGE_SIZE pages; one made before keeps its 4 KiB
    pages (only VACUUM changes them), and its own rule's mark is the same size in bytes."""
    new = tmp_path / "new.db"
    db = Database(f"sqlite+aiosqlite:///{new}")
    try:
        await _write(db, rows=10)
    finally:
        await db.dispose()
    with contextlib.closing(sqlite3.connect(new)) as made:
        assert made.execute("PRAGMA page_size").fetchone() == (SQLITE_PAGE_SIZE,)
        assert SQLITE_PAGE_SIZE == 8_192
        assert made.execute("SELECT count(*) FROM blobs").fetchone() == (10,)

    old = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(old)) as before:
        before.execute("PRAGMA page_size=4096")
        before.execute("CREATE TABLE blobs (b BLOB)")
        before.execute("INSERT INTO blobs VALUES (x'00')")
        before.commit()
    db = Database(f"sqlite+aiosqlite:///{old}")
    try:
        await _write(db, rows=10)
        async with db.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert (await pragma("PRAGMA page_size")).scalar() == 4096
            marks = (await pragma("PRAGMA wal_autocheckpoint")).scalar()
            assert marks == sqlite_driver.AUTOCHECKPOINT_BYTES // 4096
    finally:
        await db.dispose()
    with contextlib.closing(sqlite3.connect(old)) as after:
        assert after.execute("SELECT count(*) FROM blobs").fetchone() == (11,)


def _vacuum(store: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """`rapport-hub vacuum` on `store`, in this process (its exit code)."""
    from hub import cli
    from hub.settings import get_settings

    monkeypatch.setenv("RAPPORT_DATABASE_URL", f"sqlite+aiosqlite:///{store}")
    get_settings.cache_clear()
    try:
        return cli.main(["vacuum"])
    finally:
        get_settings.cache_clear()


def test_vacuum_without_room_for_the_rewrite_changes_nothing_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rapport-hub vacuum` needs the store's size free about twice (the new file, then the
    rollback journal of the old one): with less it stops before touching anything."""
    import shutil
    from collections import namedtuple

    store = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(store)) as before:
        before.execute("PRAGMA page_size=4096")
        before.execute("PRAGMA journal_mode=WAL")
        before.execute("CREATE TABLE blobs (b BLOB)")
        before.execute("INSERT INTO blobs VALUES (randomblob(100000))")
        before.commit()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda where: usage(10**9, 10**9 - 150_000, 150_000))
    assert _vacuum(store, monkeypatch) == 1
    said = capsys.readouterr().err
    assert re.search(r"needs 0\.2 MB free in .+, which has 0\.1 MB \(nothing was changed\)", said)
    with contextlib.closing(sqlite3.connect(store)) as after:
        assert after.execute("PRAGMA page_size").fetchone() == (4096,)
        assert after.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert after.execute("SELECT length(b) FROM blobs").fetchone() == (100_000,)


def test_vacuum_of_a_store_that_is_not_there_says_so_and_makes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"
    assert _vacuum(missing, monkeypatch) == 1
    said = capsys.readouterr().err
    assert "unable to open database file (nothing was changed)" in said, said
    assert "Traceback" not in said and not missing.exists()
