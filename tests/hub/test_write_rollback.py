"""A write whose connection broke in the middle of a statement: even its ROLLBACK may be
refused ("another operation is in progress", a primary restarting under load). The
connection is then invalidated, and the write's own error — the database went away, which
the API answers as a retryable UNAVAILABLE — is the one that propagates, not the ROLLBACK's."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.api.context import Context
from hub.audit import AUDIT_COLUMNS, AuditEntry
from hub.db import Database, insert_tuples, unavailable, utcnow


async def test_a_refused_rollback_leaves_the_write_s_own_error(
    make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(make_database("rollback"))
    ctx = Context(hub=SimpleNamespace(db=db, broker=None))  # type: ignore[arg-type]
    lost = DBAPIError("COPY events", None, ConnectionResetError("connection reset by peer"))

    async def work(session: AsyncSession) -> None:
        await session.execute(text("SELECT 1"))  # a transaction under way
        raise lost

    async def refuse(self: AsyncSession) -> None:
        raise DBAPIError("ROLLBACK", None, RuntimeError("another operation is in progress"))

    invalidated: list[bool] = []
    real_invalidate = AsyncSession.invalidate

    async def invalidate(self: AsyncSession) -> Any:
        invalidated.append(True)
        return await real_invalidate(self)

    monkeypatch.setattr(AsyncSession, "rollback", refuse)
    monkeypatch.setattr(AsyncSession, "invalidate", invalidate)
    try:
        with pytest.raises(DBAPIError) as raised:
            await ctx.write(work)
        assert raised.value is lost
        assert unavailable(raised.value)
        assert invalidated == [True]
    finally:
        await db.dispose()


@pytest.mark.postgres_only
async def test_a_copy_on_a_stuck_connection_is_a_retryable_unavailable(
    make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A primary restarting under load ends an idle-in-transaction session with an unsolicited
    FATAL; asyncpg's protocol is then stuck consuming it, and the next COPY is refused before
    it starts ("cannot switch to state 21; another operation (2) is in progress"). The write
    fails as the database being away — retryable, its connection closed — not as a bug."""
    from asyncpg.connection import Connection
    from asyncpg.exceptions import InternalClientError

    db = Database(make_database("stuckcopy"))
    ctx = Context(hub=SimpleNamespace(db=db, broker=None))  # type: ignore[arg-type]
    terminated: list[bool] = []
    real_terminate = Connection.terminate

    async def stuck(self: Connection, *args: Any, **kwargs: Any) -> None:
        raise InternalClientError("cannot switch to state 21; another operation (2) is in progress")

    def terminate(self: Connection) -> None:
        terminated.append(True)
        real_terminate(self)

    async def work(session: AsyncSession) -> None:
        await session.execute(text("SELECT 1"))  # a transaction under way
        await insert_tuples(session, AuditEntry.__table__, AUDIT_COLUMNS, [_audit_row()])

    monkeypatch.setattr(Connection, "copy_records_to_table", stuck)
    monkeypatch.setattr(Connection, "terminate", terminate)
    try:
        with pytest.raises(DBAPIError) as raised:
            await ctx.write(work)
        assert raised.value.connection_invalidated
        assert unavailable(raised.value)
        assert terminated == [True]
        monkeypatch.undo()
        async with db.sessions() as session:  # the pool goes on with a good connection
            assert await session.scalar(text("SELECT 1")) == 1
    finally:
        await db.dispose()


def _audit_row() -> tuple[Any, ...]:
    return (utcnow(), "test", "system", None, "EVENTS", "stuck")  # AUDIT_COLUMNS


def test_a_statement_refused_by_a_stuck_protocol_is_unavailable() -> None:
    """The same stuck protocol refusing a plain statement, as SQLAlchemy's asyncpg adapter
    wraps it: the database is away, not a bug."""
    from asyncpg.exceptions import InternalClientError

    stuck = InternalClientError("cannot switch to state 12; another operation (2) is in progress")
    wrapped = DBAPIError("UPDATE profiles", None, RuntimeError("wrapped"))
    wrapped.__cause__ = stuck
    assert unavailable(wrapped)
    assert not unavailable(DBAPIError("SELECT", None, InternalClientError("a bug of ours")))
