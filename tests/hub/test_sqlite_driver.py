"""The SQLite driver (one trip to the database thread per statement) behaves as aiosqlite does:
rows, counts, ids, errors, transactions and streamed results bigger than one chunk."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    exc,
    func,
    insert,
    select,
    text,
    update,
)

from hub import reads, sqlite_driver
from hub.db import Database, hold_writes

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), unique=True, nullable=False),
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def test_rows_counts_ids_and_errors(db: Database) -> None:
    async with db.engine.begin() as connection:
        assert await connection.scalar(select(func.sqlite_version())) is not None
        inserted = await connection.execute(insert(things).values(name="teacup"))
        assert inserted.inserted_primary_key == (1,)
        await connection.execute(insert(things), [{"name": f"n{i}"} for i in range(10)])
        changed = await connection.execute(
            update(things).where(things.c.name.like("n%")).values(name=things.c.name + "!")
        )
        assert changed.rowcount == 10
        returned = await connection.execute(
            insert(things).values(name="saucer").returning(things.c.id, things.c.name)
        )
        assert returned.one() == (12, "saucer")
    async with db.engine.connect() as connection:
        with pytest.raises(exc.IntegrityError):
            await connection.execute(insert(things).values(name="teacup"))
        await connection.rollback()
        # The connection still works after the error, and the failed insert left nothing.
        assert await connection.scalar(select(func.count()).select_from(things)) == 12


async def test_a_rolled_back_transaction_leaves_nothing(db: Database) -> None:
    async with db.engine.connect() as connection:
        await connection.execute(insert(things).values(name="lost"))
        await connection.rollback()
    async with db.engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(things)) == 0


async def test_results_bigger_than_a_chunk_arrive_whole_and_in_order(db: Database) -> None:
    n = sqlite_driver.CHUNK * 2 + 17
    async with db.engine.begin() as connection:
        await connection.execute(insert(things), [{"name": f"{i:06d}"} for i in range(n)])
    async with db.engine.connect() as connection:
        everything = (await connection.execute(select(things.c.name).order_by(things.c.id))).all()
        assert [r.name for r in everything] == [f"{i:06d}" for i in range(n)]
        streamed = await connection.stream(
            select(things.c.name).order_by(things.c.id).execution_options(yield_per=1000)
        )
        names = [row.name async for row in streamed]
        assert names == [f"{i:06d}" for i in range(n)]
        # A stream left half-read closes cleanly and the connection goes on.
        partial = await connection.stream(select(things.c.name).execution_options(yield_per=10))
        assert len(await partial.fetchmany(5)) == 5
        await partial.close()
        assert await connection.scalar(select(func.count()).select_from(things)) == n


async def test_two_connections_see_each_others_commits(db: Database) -> None:
    async with db.engine.connect() as reader, db.engine.begin() as writer:
        await writer.execute(insert(things).values(name="mug"))
        assert await reader.scalar(select(func.count()).select_from(things)) == 0
    async with db.engine.connect() as reader:
        assert await reader.scalar(select(things.c.name)) == "mug"


async def test_a_connection_that_only_read_goes_back_to_the_pool_without_a_trip(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[str] = []
    execute = sqlite_driver.Connection._execute

    async def counted(self: sqlite_driver.Connection, fn: Any, *args: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await execute(self, fn, *args)

    monkeypatch.setattr(sqlite_driver.Connection, "_execute", counted)
    async with db.engine.connect() as connection:
        await connection.scalar(select(func.count()).select_from(things))
        trips.clear()
    assert trips == [], "nothing to roll back after a read: no trip to the thread"
    # A write still rolls back (and commits) on the thread, and a rollback undoes it.
    async with db.engine.connect() as connection:
        await connection.execute(insert(things).values(name="kettle"))
        trips.clear()
        await connection.rollback()
        assert trips == ["_end"]  # one trip: rolled back on the thread
        assert await connection.scalar(select(func.count()).select_from(things)) == 0


async def test_writers_of_one_process_take_turns_at_the_gate(db: Database) -> None:
    """A write transaction holds the process's gate from its first write to its commit or
    rollback; a failed write, a closed connection and a read leave it open. Every engine on
    the same file shares it."""
    path = db.engine.url.database
    assert path is not None
    gate = sqlite_driver.gate_for(path)
    assert gate is not None
    other = Database(f"sqlite+aiosqlite:///{path}")
    try:
        assert sqlite_driver.gate_for(path) is gate  # one per file, whichever engine asks
        async with db.engine.connect() as connection:
            await connection.scalar(select(func.count()).select_from(things))
            assert not gate.taken, "a read takes no turn"
            await connection.execute(insert(things).values(name="jug"))
            assert gate.taken
            await connection.commit()
            assert not gate.taken
            await connection.execute(insert(things).values(name="bowl"))
            await connection.rollback()
            assert not gate.taken
        async with db.engine.connect() as connection:
            with pytest.raises(exc.IntegrityError):  # "jug" is there: the insert fails
                await connection.execute(insert(things).values(name="jug"))
            await connection.rollback()
            assert not gate.taken
        driver = sqlite_driver.connect(path, gate=gate)  # closed in the middle of a write
        await driver
        await driver.cursor().execute("INSERT INTO things (name) VALUES ('cup')")
        assert gate.taken
        await driver.close()
        assert not gate.taken
        async with other.engine.begin() as connection:
            await connection.execute(insert(things).values(name="plate"))
            assert gate.taken
        assert not gate.taken
    finally:
        await other.dispose()


async def test_a_waiting_writer_starts_as_soon_as_the_one_before_commits(db: Database) -> None:
    """SQLite's busy handler sleeps 1, 2, 5, … 50, 100 ms between tries, so a writer that
    found the file locked for 0.3 s used to start ~25–100 ms after the commit it waited for.
    At the gate it starts at once."""

    async def write(name: str, pause: float, hold: float) -> tuple[float, float]:
        await asyncio.sleep(pause)
        async with db.engine.connect() as connection:
            await connection.execute(insert(things).values(name=name))
            began = time.perf_counter()
            await asyncio.sleep(hold)
            await connection.commit()
            return began, time.perf_counter()

    gaps = []
    for turn in range(3):
        (_, committed), (began, _) = await asyncio.gather(
            write(f"first{turn}", 0, 0.3), write(f"second{turn}", 0.02, 0)
        )
        gaps.append(began - committed)
    assert sorted(gaps)[1] < 0.025, gaps


async def test_hold_writes_begins_the_write_transaction_with_the_next_read(db: Database) -> None:
    """`hold_writes` (a write about to decide on what it reads) takes the gate and SQLite's
    write lock in the next statement's own trip, whether that goes through SQLAlchemy or
    straight to the driver (`hub.reads`): the reads after it see the store as it is, and no
    other writer commits until this one ends. A store another process holds locked past the
    busy timeout is a DBAPIError either way (`Context.write` retries it), the gate given back."""
    path = db.engine.url.database
    assert path is not None
    gate = sqlite_driver.gate_for(path)
    assert gate is not None
    count = select(func.count()).select_from(things)
    for straight in (False, True):
        async with db.sessions() as session:
            await hold_writes(session)
            assert not gate.taken, "nothing sent yet"
            if straight:
                (rows,) = await reads.in_session(session, [(count, {})])
                assert rows == [(0,)]
            else:
                assert await session.scalar(count) == 0
            assert gate.taken
            driver: Any = (
                await (await session.connection()).get_raw_connection()
            ).driver_connection
            assert driver._conn.in_transaction
            await session.rollback()
            assert not gate.taken and not driver.begin_pending
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's writer, in the middle of its write
    try:
        for straight in (False, True):
            async with db.sessions() as session:
                await session.execute(text("PRAGMA busy_timeout = 50"))
                await hold_writes(session)
                with pytest.raises(exc.DBAPIError, match="database is locked"):
                    if straight:
                        await reads.in_session(session, [(count, {})])
                    else:
                        await session.scalar(count)
                assert not gate.taken
                await session.rollback()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    async with db.sessions() as session:  # the connections went back to the pool clean
        assert await session.scalar(count) == 0
        assert not gate.taken


async def test_a_writer_gets_in_between_another_process_s_transactions(db: Database) -> None:
    """Another process writes transaction after transaction (`rapport-hub import`), letting
    SQLite's write lock go for a few milliseconds between them. A writer here asks for the lock
    every millisecond (`sqlite_driver.begin_immediate`), so it goes in at the first or second
    gap; SQLite's own busy handler, sleeping up to 100 ms between tries, mostly missed them
    and waited out several of the other's transactions (docs/performance.md)."""
    path = db.engine.url.database
    assert path is not None
    log: list[str] = []
    started = threading.Event()

    def other_process() -> None:
        other = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            for number in range(8):
                other.execute("BEGIN IMMEDIATE")
                log.append(f"other {number}")
                started.set()
                time.sleep(0.3)  # a chunk's work, holding the lock
                other.execute("COMMIT")
                time.sleep(0.01)  # the next chunk's reads, before it locks again
        finally:
            other.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    try:
        await asyncio.to_thread(started.wait, 5)
        async with db.engine.begin() as connection:
            await connection.execute(insert(things).values(name="kiosk"))
            log.append("ours")  # holding the lock: the other waits
    finally:
        await asyncio.to_thread(thread.join)
    assert log.index("ours") <= 2, log  # in after the other's first or second transaction
