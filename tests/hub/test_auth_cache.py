"""A remembered key is answered without a database session (hub.auth.service
`authenticate_with`): the gate and the sockets open one only when the answer is not cached."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.service import Authenticator, create_key, revoke_key
from hub.db import Database
from hub.enums import Channel
from tests.conftest import hub_command


async def test_a_remembered_key_needs_no_session(make_database: Callable[[str], str]) -> None:
    url = make_database("authcache")
    hub_command(url, "migrate")
    database = Database(url)
    opened: list[int] = []

    @asynccontextmanager
    async def sessions() -> AsyncIterator[AsyncSession]:
        opened.append(1)
        async with database.sessions() as session:
            yield session

    try:
        async with database.sessions() as session:
            key, plain = await create_key(session, Channel.WEB, "cache test")
            await session.commit()
        authenticator = Authenticator(cache_seconds=60)
        first = await authenticator.authenticate_with(sessions, plain)
        assert first is not None and first.channel is Channel.WEB and len(opened) == 1
        again = await authenticator.authenticate_with(sessions, plain)
        assert again == first and len(opened) == 1  # from the cache: no session
        assert await authenticator.authenticate_with(sessions, "rk_web_" + "x" * 300) is None
        assert await authenticator.authenticate_with(sessions, "rk_web_nope") is None
        assert len(opened) == 2  # an unknown key is looked up (and then remembered too)
        async with database.sessions() as session:
            assert await revoke_key(session, key.id)
            await session.commit()
        authenticator.forget(plain)  # as a sign-out or revocation in this process does
        assert await authenticator.authenticate_with(sessions, plain) is None
        assert len(opened) == 3
    finally:
        await database.dispose()
