"""PostgreSQL: `event_months` follows every write to `events` (inserts, a merge's move, deletes,
a month moved out of the default, retention's dropped months, TRUNCATE), and the profile read
that names only the months a profile's newest events need answers exactly as the plain read of
every month does — across month ends, with ties, with fewer events than asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update

from hub.db import Database, utcnow
from hub.enums import IdentifierKind
from hub.events import partitions
from hub.events import repository as events_repository
from hub.events.models import Event
from hub.identity.models import Identifier
from hub.identity.normalize import IdentifierIn
from hub.profile360 import reading
from hub.profile360.facts import EVENTS
from hub.profiles.models import Profile
from hub.settings import Settings
from hub.weights import Weights
from tests.conftest import hub_command, unique
from tests.hub.test_event_partitions import _event

pytestmark = pytest.mark.postgres_only

MARCH, MAY = datetime(2010, 3, 3, tzinfo=UTC), datetime(2010, 5, 20, tzinfo=UTC)
MAY_END = datetime(2010, 5, 31, 23, 59, 59, tzinfo=UTC)  # the last second of May, UTC
JUNE = datetime(2010, 6, 1, tzinfo=UTC)  # its first


def _history(tag: str, profile_id: str) -> list[dict[str, Any]]:
    """5 in March, 25 in May (four at one moment: a tie), 2 either side of midnight at May's
    end, 3 in June."""
    moments = [MARCH + timedelta(days=i) for i in range(5)]
    moments += [MAY + timedelta(minutes=i) for i in range(21)] + [MAY + timedelta(hours=5)] * 4
    moments += [MAY_END, JUNE] + [JUNE + timedelta(days=i + 1) for i in range(3)]
    return [_event(f"{tag}-{n}", profile_id, at) for n, at in enumerate(moments)]


async def _agree(db: Database) -> dict[tuple[str, datetime], int]:
    """event_months as it stands, after checking it against a count of `events` itself."""
    async with db.sessions() as session:
        kept = {
            (p, m): n
            for p, m, n in await session.execute(
                text("SELECT profile_id, month, events FROM event_months")
            )
        }
        counted = {
            (p, m): n
            for p, m, n in await session.execute(
                text(
                    "SELECT profile_id, date_trunc('month', occurred_at, 'UTC'), count(*) "
                    "FROM events GROUP BY 1, 2"
                )
            )
        }
    assert kept == counted
    return kept


async def _newest(db: Database, crm: str, limit: int) -> tuple[list[int], list[int]]:
    """(the read's event ids, the plain newest-first ids of every month)."""
    weights = Weights.from_settings(Settings())
    async with db.sessions() as session:
        row, parts = await reading.lookup_with_parts(
            session, IdentifierIn(IdentifierKind.CRM_ID, crm), "GB", [(EVENTS, limit, ())],
            weights, utcnow(),
        )  # fmt: skip
        assert row is not None
        read = [e.id for e in parts[(EVENTS, row.id, limit, ())]]
        plain = list(
            await session.scalars(
                select(Event.id)
                .where(Event.profile_id == row.id)
                .order_by(Event.occurred_at.desc(), Event.id.desc())
                .limit(limit)
            )
        )
    return read, plain


async def test_event_months_follow_every_write_and_bound_the_read(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("months")
    hub_command(url, "migrate")
    tag = unique()
    one, other = f"a{tag}"[-32:], f"b{tag}"[-32:]
    crm = f"{tag}"[-12:]
    db = Database(url)
    try:
        async with db.sessions() as session:
            await session.execute(
                insert(Profile),
                [{"id": p, "traits": {}, "is_known": True, "version": 1} for p in (one, other)],
            )
            await session.execute(
                insert(Identifier).values(
                    profile_id=one, kind="CRM_ID", value=crm, touchpoint="WEB",
                    created_at=utcnow(),
                )
            )  # fmt: skip
            await session.execute(insert(Event), _history(tag, one))
            await session.commit()
        months = await _agree(db)
        assert months[(one, datetime(2010, 5, 1, tzinfo=UTC))] == 26  # May's last second too
        assert months[(one, datetime(2010, 6, 1, tzinfo=UTC))] == 4

        # As `track` and `import` write a batch: one COPY.
        july = datetime(2010, 7, 9, tzinfo=UTC)
        async with db.sessions() as session:
            await session.execute(text("SELECT 1"))  # begun: insert_many takes the COPY
            await events_repository.insert_many(
                session,
                [(f"{tag}-c{i}", other, None, "VIEW", "WEB", july, july, None, None, None, "{}")
                 for i in range(3)],
            )  # fmt: skip
            await session.commit()
        months = await _agree(db)
        assert months[(other, datetime(2010, 7, 1, tzinfo=UTC))] == 3

        for limit in (1, 3, 4, 5, 9, 30, 34, 35, 100):  # inside June, into May, all and more
            read, plain = await _newest(db, crm, limit)
            assert read == plain, limit

        # The months move out of the default into partitions of their own: nothing counted
        # twice or lost, and the read still agrees.
        async with db.sessions() as session:
            assert "events_p2010_05" in await partitions.maintain(session, 0)
            await session.commit()
        assert await _agree(db) == months
        for limit in (4, 5, 30, 35):
            assert (lambda r: r[0] == r[1])(await _newest(db, crm, limit)), limit

        # A merge moves events to another profile; a delete takes some away (June's four go).
        async with db.sessions() as session:
            await session.execute(
                update(Event)
                .where(Event.profile_id == one, Event.occurred_at < MAY)
                .values(profile_id=other)
            )
            await session.execute(
                delete(Event).where(Event.occurred_at >= JUNE, Event.occurred_at < july)
            )
            await session.commit()
        months = await _agree(db)
        assert (one, datetime(2010, 6, 1, tzinfo=UTC)) not in months
        assert months[(other, datetime(2010, 3, 1, tzinfo=UTC))] == 5
        assert months[(other, datetime(2010, 7, 1, tzinfo=UTC))] == 3
        for limit in (1, 20, 26, 27, 100):
            read, plain = await _newest(db, crm, limit)
            assert read == plain and len(read) == min(limit, 26), limit

        # Retention drops March whole: its months go with it.
        async with db.sessions() as session:
            dropped, rows = await partitions.drop_before(session, datetime(2010, 4, 1, tzinfo=UTC))
            await session.commit()
        assert "events_p2010_03" in dropped and rows == 5
        assert (other, datetime(2010, 3, 1, tzinfo=UTC)) not in await _agree(db)

        async with db.sessions() as session:
            await session.execute(text("TRUNCATE events"))
            await session.commit()
        assert await _agree(db) == {}
        read, plain = await _newest(db, crm, 20)
        assert read == plain == []
    finally:
        await db.dispose()
