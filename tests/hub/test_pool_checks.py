"""A pooled PostgreSQL connection is checked as it leaves the pool (hub.db): one the server
closed is replaced without a trip, one idle past the window is asked first and replaced when it
does not answer, and a request never sees either. PostgreSQL only: SQLite has no server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from hub import db as hub_db
from hub.db import Database, asyncpg_connect_args

pytestmark = pytest.mark.postgres_only


async def _pid(database: Database) -> int:
    return (await _used(database))[0]


async def _used(database: Database) -> tuple[int, Any]:
    """A request's backend pid, and its asyncpg connection (back in the pool afterwards)."""
    async with database.engine.connect() as conn:
        pid = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        return pid, (await conn.get_raw_connection()).driver_connection


async def _terminate(url: str, pid: int) -> None:
    killer = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        assert await killer.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await killer.close()


async def _killed(url: str, database: Database) -> int:
    """A request's backend, terminated by the server once it is back in the pool (its pid),
    after asyncpg has seen the connection close."""
    pid, connection = await _used(database)
    await _terminate(url, pid)
    for _ in range(100):
        if connection.is_closed():
            return pid
        await asyncio.sleep(0.02)
    raise AssertionError("asyncpg never saw the server close the connection")


async def test_a_connection_the_server_closed_is_replaced_without_asking(
    make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_db, "IDLE_PING_SECONDS", 3600.0)  # no ping: closed is seen as such
    url = make_database("pool")
    database = Database(url)
    try:
        first = await _killed(url, database)
        second = await _pid(database)  # no error: replaced at checkout
        assert second != first
        assert await _pid(database) == second  # and kept
    finally:
        await database.dispose()


async def test_an_idle_connection_is_asked_and_replaced_when_it_does_not_answer(
    make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_database("pool")
    database = Database(url)
    try:
        first = await _killed(url, database)
        # A peer that vanished without closing: asyncpg cannot tell it apart from a live one.
        monkeypatch.setattr(asyncpg.Connection, "is_closed", lambda _self: False)
        monkeypatch.setattr(hub_db, "IDLE_PING_SECONDS", 3600.0)
        with pytest.raises(Exception) as raised:  # used a moment ago: not asked, and it fails
            await _pid(database)
        assert hub_db.unavailable(raised.value)
        monkeypatch.undo()
        assert await _pid(database) != first  # once asyncpg tells, it is replaced
        first = await _killed(url, database)
        monkeypatch.setattr(asyncpg.Connection, "is_closed", lambda _self: False)
        monkeypatch.setattr(hub_db, "IDLE_PING_SECONDS", 0.0)
        second = await _pid(database)  # idle past the window: asked, found dead, replaced
        assert second != first
    finally:
        await database.dispose()
