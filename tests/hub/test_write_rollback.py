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
from hub.db import Database, unavailable


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
