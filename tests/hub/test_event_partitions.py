"""Events by month on PostgreSQL (one table on SQLite), message ids unique in `event_messages`:
the migration from a populated table and back, dedup across months, partitions created ahead
and out of the default one, and retention dropping whole months."""

from __future__ import annotations

import asyncio
import concurrent.futures
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from alembic import command
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from hub.db import Database, asyncpg_connect_args, create_engine
from hub.events import partitions
from hub.events.models import Event
from hub.migrate import alembic_config
from hub.profiles.models import Profile
from tests.conftest import SAMPLE, HubHandle, hub_command, unique
from tests.hub.gql import TRACK
from tests.hub.test_identity_e2e import view

BEFORE = "907064ec109d"  # the revision before the partitioned events


def _run(url: str, *statements: Any) -> list[Any]:
    """Each statement in its own transaction; the first column of each one's rows."""

    async def go() -> list[Any]:
        engine = create_engine(url)
        answers: list[Any] = []
        try:
            for statement in statements:
                async with engine.begin() as connection:
                    result = await connection.execute(
                        text(statement) if isinstance(statement, str) else statement
                    )
                    answers.append(result.scalars().all() if result.returns_rows else None)
        finally:
            await engine.dispose()
        return answers

    return asyncio.run(go())


def _event(message_id: str, profile_id: str, at: datetime) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "profile_id": profile_id,
        "type": "VIEW",
        "touchpoint": "WEB",
        "occurred_at": at,
        "received_at": at,
        "properties": {},
    }


def _month_partitions(url: str) -> list[str]:
    [names] = _run(
        url,
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'events'::regclass ORDER BY 1",
    )
    return [n for n in names if n != "events_default"]


def test_the_migration_moves_a_populated_table_and_back(make_database, db_kind: str) -> None:  # type: ignore[no-untyped-def]
    url = make_database("partmig")
    config = alembic_config(url)
    command.upgrade(config, BEFORE)
    tag = unique("mig")
    jan, mar = datetime(2010, 1, 5, tzinfo=UTC), datetime(2010, 3, 9, tzinfo=UTC)
    _run(
        url,
        insert(Profile).values(id=tag[-32:], traits={}, is_known=False, version=1),
        insert(Event).values(
            [_event(f"{tag}-1", tag[-32:], jan), _event(f"{tag}-2", tag[-32:], mar)]
        ),
        f"INSERT INTO retired_messages (message_id, retired_at) VALUES ('{tag}-old', "
        "CURRENT_TIMESTAMP)",
    )
    command.upgrade(config, "head")
    count, claimed = _run(
        url,
        "SELECT count(*) FROM events",
        "SELECT message_id FROM event_messages ORDER BY 1",
    )
    assert count == [2]
    assert claimed == [f"{tag}-1", f"{tag}-2", f"{tag}-old"]
    if db_kind == "postgres":
        months = _month_partitions(url)
        assert {"events_p2010_01", "events_p2010_03"} <= set(months)
        now = datetime.now(UTC)
        assert f"events_p{now:%Y_%m}" in months, "the current month is there ahead of writes"
    # The same message id in another month is refused by the database itself.
    with pytest.raises(IntegrityError):
        _run(url, insert(Event).values([_event(f"{tag}-1", tag[-32:], mar + timedelta(days=400))]))
    _run(url, insert(Event).values([_event(f"{tag}-3", tag[-32:], mar)]))

    command.downgrade(config, BEFORE)
    count, retired = _run(
        url, "SELECT count(*) FROM events", "SELECT message_id FROM retired_messages"
    )
    assert count == [3] and retired == [f"{tag}-old"]
    with pytest.raises(IntegrityError):
        _run(url, insert(Event).values([_event(f"{tag}-2", tag[-32:], jan)]))
    command.upgrade(config, "head")
    assert _run(url, "SELECT count(*) FROM event_messages") == [[4]]


def _track(hub: HubHandle, events: list[dict[str, Any]]) -> dict[str, Any]:
    body = hub.gql(TRACK, {"events": events}, key=hub.web_key)
    assert body.get("data"), body
    result: dict[str, Any] = body["data"]["track"]
    assert not result["userErrors"], result
    return result


def test_a_message_id_sent_again_with_another_moment_is_a_duplicate(hub: HubHandle) -> None:
    email = f"{unique()}@example.com"
    sku = hub.gql("{ products(first: 1) { sku } }")["data"]["products"][0]["sku"]
    first = view(unique("dup"), "EMAIL", email, sku, "WEB")
    first["occurredAt"] = "2010-02-03T10:00:00Z"
    assert _track(hub, [first])["accepted"] == 1
    again = {**first, "occurredAt": datetime.now(UTC).isoformat()}
    assert _track(hub, [again])["duplicates"] == 1
    # Two hubs' worth of racing senders: each message stored once, whatever its moment.
    racing = [view(unique("race"), "EMAIL", email, sku, "WEB") for _ in range(20)]
    moments = ["2010-05-01T00:00:00Z", datetime.now(UTC).isoformat()]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda n: _track(hub, [{**e, "occurredAt": moments[n % 2]} for e in racing]),
                range(4),
            )
        )
    assert sum(r["accepted"] for r in results) == len(racing)
    assert sum(r["duplicates"] for r in results) == 3 * len(racing)


@pytest.mark.postgres_only
def test_months_are_split_out_of_the_default_and_retention_drops_them_whole(
    make_database, db_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    url = make_database("partret")
    hub_command(url, "migrate")
    hub_command(url, "seed-demo", str(SAMPLE), "--no-keys")  # 2009-2010: the default takes it
    [[held]] = _run(url, "SELECT count(*) FROM events_default")
    assert held > 0
    made = hub_command(url, "partitions").stderr
    assert "events_p2010_01" in made, made
    assert _run(url, "SELECT count(*) FROM events_default") == [[0]]
    assert "none needed" in hub_command(url, "partitions").stderr

    [[total], [older]] = _run(
        url,
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM events WHERE occurred_at < '2010-06-01'",
    )
    cutoff = datetime(2010, 6, 1, 12, tzinfo=UTC)  # partway into June: June stays a table
    monkeypatch.setenv("RAPPORT_EVENT_RETENTION_DAYS", str((datetime.now(UTC) - cutoff).days))
    done = hub_command(url, "retention").stderr
    assert "month partitions dropped whole" in done, done
    months = _month_partitions(url)
    assert "events_p2010_05" not in months and "events_p2010_06" in months
    [[left], [gone], [kept]] = _run(
        url,
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM events WHERE occurred_at < '2010-06-01'",
        "SELECT count(*) FROM event_messages",
    )
    assert gone == 0 and left < total - older + 1
    assert kept == total, "a deleted event's message id is still known"


@pytest.mark.postgres_only
async def test_a_read_while_a_month_moves_out_of_the_default_sees_every_row(
    make_database, db_kind: str
) -> None:  # type: ignore[no-untyped-def]
    url = make_database("partmove")
    hub_command(url, "migrate")
    tag = unique()
    profile = tag[-32:]
    march = datetime(2010, 3, 5, 10, tzinfo=UTC)
    await asyncio.to_thread(
        _run,
        url,
        insert(Profile).values(id=profile, traits={}, is_known=False, version=1),
        insert(Event).values(
            [_event(f"{tag}-{i}", profile, march + timedelta(hours=i)) for i in range(30)]
        ),
    )
    db = Database(url)
    reader = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        async with db.sessions() as session:
            created = await partitions.maintain(session, 0)
            assert "events_p2010_03" in created
            # The rows have moved, not yet committed: a profile's read waits for the move...
            read = asyncio.create_task(
                reader.fetchval("SELECT count(*) FROM events WHERE profile_id = $1", profile)
            )
            await asyncio.sleep(0.5)
            assert not read.done()
            await session.commit()
        # ...and then finds the rows in their month, not an empty default.
        assert await asyncio.wait_for(read, 10) == 30
    finally:
        await reader.close()
        await db.dispose()


@pytest.mark.postgres_only
async def test_a_month_made_while_a_batch_writes_new_visitors_deadlocks_neither(
    make_database, db_kind: str
) -> None:  # type: ignore[no-untyped-def]
    """A hub starting (its partition upkeep) while `track` stores new visitors: the batch
    inserts profiles, then identifiers, then events; attaching a month adds the events' foreign
    keys, which lock identifiers and then profiles. Each held what the other wanted, and
    PostgreSQL broke the deadlock by failing one (seen in CI: the batch retried). The upkeep
    now takes profiles and identifiers first, in the batch's order, and waits its turn."""
    url = make_database("partlock")
    hub_command(url, "migrate")
    tag = unique()
    batch = await asyncpg.connect(**asyncpg_connect_args(url))
    db = Database(url)
    try:
        writing = batch.transaction()
        await writing.start()
        await batch.execute(
            "INSERT INTO profiles (id, traits, is_known, version, created_at, updated_at)"
            " VALUES ($1, '{}', false, 1, now(), now())",
            tag[-32:],
        )

        async def upkeep() -> list[str]:
            async with db.sessions() as session:
                created = await partitions.maintain(
                    session, 0, now=datetime(2031, 1, 1, tzinfo=UTC)
                )
                await session.commit()
                return created

        made = asyncio.create_task(upkeep())
        await asyncio.sleep(0.5)  # the upkeep is waiting for the batch's lock by now
        await batch.execute(
            "INSERT INTO identifiers (profile_id, kind, value, touchpoint, created_at)"
            " VALUES ($1, 'ANONYMOUS_ID', $2, 'WEB', now())",
            tag[-32:],
            tag,
        )
        await asyncio.sleep(1.5)  # past deadlock_timeout (1 s): a cycle would be broken now
        await writing.commit()
        assert await asyncio.wait_for(made, 10) == ["events_p2031_01"]
    finally:
        await batch.close()
        await db.dispose()
