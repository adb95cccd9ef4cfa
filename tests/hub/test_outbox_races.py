"""An erasure while the outbox delivers a round of messages, one of them the erased
customer's.

PostgreSQL: the round holds its rows locked until it commits, so the erasure waits for the
messages already in flight, then deletes them. SQLite locks no rows: the erasure commits
between two sends. Before, the round still sent the erased customer's message, and then its
commit failed on the deleted row (StaleDataError), so every message of the round stayed
PENDING and was sent again in the next round."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from hub.db import Database, utcnow
from hub.ids import new_id
from hub.privacy import outbox, rights
from hub.privacy.models import OutboxMessage
from hub.profiles import service as profiles
from tests.conftest import hub_command


class Recording:
    """A sender that records what it sends and runs `meanwhile` during its first send."""

    media = frozenset({"EMAIL"})

    def __init__(self, meanwhile: Callable[[], Any]) -> None:
        self.sent: list[int] = []
        self._meanwhile = meanwhile

    async def send(self, message: OutboxMessage) -> None:
        self.sent.append(message.id)
        if len(self.sent) == 1:
            await self._meanwhile()

    async def aclose(self) -> None:
        return None


async def test_an_erasure_during_a_round_is_not_sent_to_after_it_and_nothing_twice(
    make_database: Callable[[str], str], db_kind: str
) -> None:
    url = make_database("outbox")
    hub_command(url, "migrate")
    db = Database(url)
    try:
        kept, erased = new_id(), new_id()
        async with db.sessions() as session:
            await profiles.insert_new(session, [(kept, True), (erased, True)], utcnow())
            messages = [
                await outbox.enqueue(
                    session,
                    profile_id=pid,
                    medium="EMAIL",
                    recipient=f"{pid}@example.com",
                    purpose=outbox.SERVICE,
                    subject="Your code",
                    body="123456",
                )
                for pid in (kept, erased)
            ]
            first, second = (m.id for m in messages)
            await session.commit()
        erasing: list[asyncio.Task[None]] = []

        async def erase() -> None:
            async with db.sessions() as session:
                await rights.erase_profile(session, erased, None)
                await session.commit()

        async def meanwhile() -> None:  # given a second: on PostgreSQL it waits for the round
            erasing.append(asyncio.create_task(erase()))
            await asyncio.wait(erasing, timeout=1.0)

        sender = Recording(meanwhile)
        assert await outbox.deliver_pending(db, sender)
        await asyncio.gather(*erasing)
        assert await outbox.deliver_pending(db, sender)  # a second round: nothing left
        if db_kind == "sqlite":
            assert sender.sent == [first], "the erased customer's message is not sent"
        else:
            assert sender.sent == [first, second], "the erasure waited for the round"
        async with db.sessions() as session:
            rows = (await session.execute(select(OutboxMessage.id, OutboxMessage.status))).all()
        assert [tuple(r) for r in rows] == [(first, "SENT")]
    finally:
        await db.dispose()
