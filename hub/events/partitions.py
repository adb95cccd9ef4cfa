"""Events partitioned by month of `occurred_at` on PostgreSQL (SQLite keeps one table).

`events` is a declarative range-partitioned table: one partition a month (`events_p2010_01`
holds [2010-01-01, 2010-02-01) UTC) and `events_default` for any moment without its month.
The current month and the next RAPPORT_EVENT_PARTITION_MONTHS_AHEAD are created ahead — by
the hub when it starts and then daily, or by `rapport-hub partitions` — and so is a month of
its own for every month the default partition holds rows of (an import of old history, the
demo store): those rows move into it, in the same transaction, while reads and writes of
`events` wait (seconds for a big history: run `rapport-hub partitions` after such an import,
before the hubs start). Retention drops whole months (`drop_before`) rather than deleting their
rows.

`event_months` (profile, month, how many events) is kept by triggers on `events` (migration
e5b7d3a1c9f4) so that a profile read names only the months its newest events are in; moving a
month out of the default keeps its rows (no trigger fires for statements on a partition), and
`drop_before` deletes the months it drops.

Hubs may run this at once: a transaction-level advisory lock takes turns, and `lock_timeout`
keeps a busy table from holding up the caller (the next day's run tries again).
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import Database, utcnow

log = logging.getLogger(__name__)

PARENT = "events"
DEFAULT = "events_default"
# The tables the events' foreign keys reference, in the order `track` writes them.
_REFERENCED = "profiles, identifiers"
_LOCK_KEY = 7_270_013  # pg_advisory_xact_lock: one maintainer at a time
_EVERY_SECONDS = 24 * 3600.0
_BOUND = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime
    end: datetime


def month_of(moment: datetime) -> datetime:
    """The first instant (UTC) of the month holding `moment`."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return month.replace(year=index // 12, month=index % 12 + 1)


_CHILD = re.compile(rf"{PARENT}_(p\d{{4}}_\d{{2}}|default)")


def is_partition(table: str) -> bool:
    """A monthly (or the default) partition of `events`: made by the hub, not by migrations."""
    return _CHILD.fullmatch(table) is not None


# A profile's events per month (PostgreSQL): made by migration e5b7d3a1c9f4 and kept by
# triggers on `events`; no ORM model reads or writes it.
MONTHS = "event_months"


def outside_the_models(table: str) -> bool:
    """A table of `events`' that the ORM models leave out (so `alembic check` leaves it be):
    a month partition or the default, or the month counts."""
    return is_partition(table) or table == MONTHS


def name_for(month: datetime) -> str:
    return f"{PARENT}_p{month.year:04d}_{month.month:02d}"


def _literal(moment: datetime) -> str:
    return f"'{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}+00'"


def create_month_sql(month: datetime, moving: bool = False) -> list[str]:
    """Statements that give `month` a partition of its own, moving any rows of it out of the
    default partition (a partition cannot be created over rows the default holds); `moving`:
    the default holds rows of it."""
    name, start, end = name_for(month), _literal(month), _literal(add_months(month, 1))
    # A month with nothing to move: writes into the default wait (reads go on), so none can
    # slip in between the move and the attach, which would then fail. Rows to move: reads of
    # `events` wait too. A query's list of partitions is fixed as it is planned, so one planned
    # before the attach commits and run after it would look for the moved rows in the default
    # only, and find none (tests/hub/test_event_partitions.py).
    lock = (
        f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE"
        if moving
        else f"LOCK TABLE {DEFAULT} IN SHARE ROW EXCLUSIVE MODE"
    )
    return [
        # The attach gives the month the parent's foreign keys, which lock the tables they
        # reference (identifiers, then profiles) against writes. `track` writes new profiles,
        # then their identifiers, then events: taken here first and in that order, so that the
        # upkeep waits for a batch in flight instead of holding what it needs next (a deadlock,
        # which PostgreSQL broke by failing one of them).
        f"LOCK TABLE {_REFERENCED} IN SHARE ROW EXCLUSIVE MODE",
        lock,
        f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE occurred_at >= {start} AND occurred_at < "
        f"{end} RETURNING *) INSERT INTO {name} SELECT * FROM moved",
        # Indexes and foreign keys come from the parent.
        f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})",
    ]


async def partitions(session: AsyncSession) -> list[Partition]:
    """The month partitions, oldest first (not the default)."""
    rows = await session.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = CAST(:t AS regclass)"
        ),
        {"t": PARENT},
    )
    found = []
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match:
            start, end = (datetime.fromisoformat(value) for value in match.groups())
            found.append(Partition(name, start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(found, key=lambda p: p.start)


async def is_partitioned(session: AsyncSession) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return False
    kind = await session.scalar(
        text("SELECT relkind::text FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT}
    )
    return bool(kind == "p")


async def _locked(session: AsyncSession) -> None:
    await session.execute(text("SET LOCAL lock_timeout = '5s'"))
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


async def maintain(
    session: AsyncSession, months_ahead: int, now: datetime | None = None
) -> list[str]:
    """Create the current month's partition and the next `months_ahead`, and one for every
    month the default partition holds; the names created. The caller commits."""
    if not await is_partitioned(session):
        return []
    await _locked(session)
    current = month_of(now or utcnow())
    wanted = {add_months(current, n) for n in range(months_ahead + 1)}
    held = await session.scalars(
        text(f"SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') FROM {DEFAULT}")
    )
    holding = {month_of(moment.replace(tzinfo=UTC)) for moment in held}
    wanted |= holding
    existing = {p.start for p in await partitions(session)}
    created = []
    for month in sorted(wanted - existing):
        for statement in create_month_sql(month, moving=month in holding):
            await session.execute(text(statement))
        created.append(name_for(month))
    return created


async def drop_before(session: AsyncSession, cutoff: datetime) -> tuple[list[str], int]:
    """Drop every month partition wholly before `cutoff`: (names, rows they held), and their
    months from `event_months` (a dropped table fires no trigger). Their message ids stay in
    `event_messages`. The caller commits."""
    if not await is_partitioned(session):
        return [], 0
    await _locked(session)
    dropped, rows = [], 0
    for partition in await partitions(session):
        if partition.end <= cutoff:
            rows += int(await session.scalar(text(f"SELECT count(*) FROM {partition.name}")) or 0)
            await session.execute(text(f"DROP TABLE {partition.name}"))
            await session.execute(
                text("DELETE FROM event_months WHERE month >= :start AND month < :end"),
                {"start": partition.start, "end": partition.end},
            )
            dropped.append(partition.name)
    return dropped, rows


async def maintain_now(db: Database, months_ahead: int) -> list[str]:
    async with db.sessions() as session:
        created = await maintain(session, months_ahead)
        await session.commit()
    if created:
        log.info("event partitions created: %s", ", ".join(created))
    return created


async def run_schedule(db: Database, months_ahead: int) -> None:
    """In the hub: at start and then daily. A failure (the database away, a lock not granted
    in time) is logged and tried again within the hour."""
    if db.dialect != "postgresql":
        return
    while True:
        try:
            await maintain_now(db, months_ahead)
            wait = _EVERY_SECONDS
        except Exception as error:
            log.warning("event partition upkeep failed (%s); trying again", type(error).__name__)
            wait = 3600.0
        await asyncio.sleep(wait)
