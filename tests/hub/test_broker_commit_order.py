"""Two writers on one SQLite file commit one after the other without waiting out the busy
timeout: the broker's commit order lock is never held while a flush waits for SQLite's write
lock (a writer that already flushed holds that lock until its own commit, which needs the
broker's lock). Seen as an agent's note save hanging for 10 s beside an audited read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.broker import LocalBroker
from hub.db import Database


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'order.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


async def test_a_commit_that_flushes_does_not_stall_a_writer_that_already_flushed(
    db: Database,
) -> None:
    broker = LocalBroker()
    flushed = asyncio.Event()

    async def first() -> None:  # its rows are written (SQLite's write lock held) before commit
        async with db.sessions() as session:
            session.add(Thing(name="note"))
            await session.flush()
            flushed.set()
            await asyncio.sleep(0.3)  # the second writer reaches its commit meanwhile
            await broker.commit(session)

    async def second() -> None:  # its row is pending: the commit flushes it
        await flushed.wait()
        async with db.sessions() as session:
            session.add(Thing(name="audit"))
            await broker.commit(session)

    # The busy timeout is 10 s (hub.db): a stall waits it out, then fails the second writer.
    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=5)
    async with db.sessions() as session:
        names = await session.scalars(select(Thing.name).order_by(Thing.id))
        assert list(names) == ["note", "audit"]
