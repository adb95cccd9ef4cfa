"""Reads straight on the driver (hub/reads.py) answer what SQLAlchemy's execution answers, on the
run's store: the same rows, the same Python values (aware times, decimals, floats, JSON,
booleans), expanding IN lists of every length, a parameter used twice, and errors as errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from hub import reads
from hub.db import Database, UTCDateTime, from_sqlite_time, sqlite_time

metadata = MetaData()
shelf = Table(
    "shelf",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("price", Numeric(10, 2)),
    Column("weight", Float),
    Column("on_sale", Boolean),
    Column("seen_at", UTCDateTime),
    Column("extra", JSON),
)
BY_NAMES = (
    select(shelf)
    .where(shelf.c.name.in_(bindparam("names", expanding=True)), shelf.c.id >= bindparam("low"))
    .order_by(shelf.c.id)
)
TWICE = (
    select(shelf.c.id, shelf.c.name)
    .where(or_(shelf.c.id == bindparam("one"), shelf.c.id == bindparam("one") + 1))
    .order_by(shelf.c.id)
)
# Two expanding lists between uses of one plain parameter.
MIXED = (
    select(shelf.c.id)
    .where(
        shelf.c.id >= bindparam("low"),
        or_(
            shelf.c.name.in_(bindparam("names", expanding=True)),
            shelf.c.id.in_(bindparam("ids", expanding=True)),
        ),
        shelf.c.id <= bindparam("low") + 3,
    )
    .order_by(shelf.c.id)
)
UNTIL = select(shelf.c.id).where(shelf.c.seen_at <= bindparam("until")).order_by(shelf.c.id)
BROKEN: Any = select(literal_column("no_such_column")).select_from(shelf)


@pytest.fixture
async def db(make_database: Callable[[str], str]) -> AsyncIterator[Database]:
    database = Database(make_database("reads"))
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(
            insert(shelf),
            [
                {
                    "name": f"item {i}",
                    "price": Decimal("1.25") * i,
                    "weight": 0.1 * i,
                    "on_sale": i % 2 == 0,
                    "seen_at": datetime(2010, 12, i + 1, 9, 30, tzinfo=UTC),
                    "extra": {"i": i, "tags": ["a", str(i)]} if i else None,
                }
                for i in range(6)
            ],
        )
    yield database
    await database.dispose()


def _read(statement: Any, parameters: dict[str, Any]) -> reads.Read[list[tuple[Any, ...]]]:
    return reads.Read(((statement, parameters),), lambda rows: [tuple(r) for r in rows[0]])


async def _both(db: Database, statement: Any, parameters: dict[str, Any]) -> list[Any]:
    """The rows through SQLAlchemy and straight on the driver, checked equal."""
    async with db.sessions() as session:
        through = [tuple(r) for r in (await session.execute(statement, parameters)).all()]
    async with db.sessions() as session:
        assert await reads.driver_of(session) is not None  # the run's store goes straight
        (straight,) = await reads.fetch(session, [_read(statement, parameters)])
    assert straight == through
    assert [[type(v) for v in row] for row in straight] == [
        [type(v) for v in row] for row in through
    ]
    return list(straight)


async def test_the_driver_answers_as_sqlalchemy_does(db: Database) -> None:
    rows = await _both(db, BY_NAMES, {"names": ["item 1", "item 4", "item 5"], "low": 3})
    assert [r[1] for r in rows] == ["item 4", "item 5"]
    _, _, price, weight, on_sale, seen_at, extra = rows[0]
    assert price == Decimal("5.00") and weight == pytest.approx(0.4) and on_sale is True
    assert seen_at == datetime(2010, 12, 5, 9, 30, tzinfo=UTC)
    assert extra == {"i": 4, "tags": ["a", "4"]}
    assert await _both(db, BY_NAMES, {"names": [], "low": 0}) == []
    one = await _both(db, BY_NAMES, {"names": ["item 0"], "low": 0})
    assert one[0][6] is None
    assert [r[0] for r in await _both(db, TWICE, {"one": 3})] == [3, 4]
    # A time is bound as its column stores it: the third item's own moment includes it.
    until = {"until": datetime(2010, 12, 3, 9, 30, tzinfo=UTC)}
    assert [r[0] for r in await _both(db, UNTIL, until)] == [1, 2, 3]


async def test_expanding_lists_of_every_shape_bind_their_own_values(db: Database) -> None:
    # Each shape twice with other values: a statement's SQL is made once per count of items.
    # ("item k" has the id k + 1.)
    cases = [
        ({"names": ["item 1", "item 2"], "ids": [4], "low": 1}, [2, 3, 4]),
        ({"names": ["item 3", "item 5"], "ids": [2], "low": 2}, [2, 4]),
        ({"names": [], "ids": [0, 1, 2], "low": 0}, [1, 2]),
        ({"names": [], "ids": [3, 4, 5], "low": 3}, [3, 4, 5]),
        ({"names": ["item 4"], "ids": [], "low": 2}, [5]),
        ({"names": ["item 5"], "ids": [], "low": 1}, []),
        ({"names": [], "ids": [], "low": 0}, []),
    ]
    for parameters, ids in cases:
        assert [r[0] for r in await _both(db, MIXED, parameters)] == ids


async def test_reads_from_several_domains_come_back_in_order(db: Database) -> None:
    async with db.sessions() as session:
        first, second = await reads.fetch(
            session,
            [
                reads.Read(
                    ((TWICE, {"one": 1}), (TWICE, {"one": 4})),
                    lambda rows: [r[0] for rows_ in rows for r in rows_],
                ),
                _read(BY_NAMES, {"names": ["item 2"], "low": 0}),
            ],
        )
    assert first == [1, 2, 4, 5]
    assert [r[1] for r in second] == ["item 2"]


async def test_a_bad_statement_is_an_error_not_an_empty_answer(db: Database) -> None:
    async with db.sessions() as session:
        with pytest.raises(Exception) as raised:  # the driver's own error class
            await reads.fetch(session, [_read(BROKEN, {})])
    assert "no_such_column" in str(raised.value)


def test_numbered_parameters_for_asyncpg() -> None:
    dialect: Any = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    compiled = reads._compiled(BY_NAMES, dialect)
    sql, values = compiled.render_numbered({"names": ["a", "b", "c"], "low": 7})
    assert "$1, $2, $3" in sql and "$4" in sql and "POSTCOMPILE" not in sql
    assert values == ["a", "b", "c", 7]
    sql, values = compiled.render_numbered({"names": [], "low": 7})
    assert "IN (NULL)" in sql and values == [7] and "$1" in sql and "$2" not in sql
    sql, values = reads._compiled(TWICE, dialect).render_numbered({"one": 3})
    assert sql.count("$1") == 2 and "$3" not in sql and values == [3, 1]  # the literal 1 too
    mixed = reads._compiled(MIXED, dialect)
    sql, values = mixed.render_numbered({"names": ["a", "b"], "ids": [7], "low": 2})
    assert "IN ($2, $3)" in sql and "IN ($4)" in sql and sql.count("$1") == 2
    assert values == [2, "a", "b", 7, 3]  # low, the names, the ids, the literal 3
    again, values = mixed.render_numbered({"names": ["c", "d"], "ids": [8], "low": 5})
    assert again is sql and values == [5, "c", "d", 8, 3]


def test_sqlite_time_text_reads_back_as_utc_datetime_does() -> None:
    for text_ in (
        "2010-12-09 12:50:00.000000",  # what UTCDateTime stores
        "2010-12-09 12:50:00.123456",
        "2010-12-09 12:50:00",
        "2010-12-09T12:50",
        "2010-12-09 12:50:00+01:00",  # an offset of its own: replaced, as UTCDateTime does
        "2010-12-09",
    ):
        moment = from_sqlite_time(text_)
        assert moment == datetime.fromisoformat(text_).replace(tzinfo=UTC), text_
        assert moment.tzinfo is UTC
    assert from_sqlite_time(sqlite_time(datetime(2010, 1, 29, 8, 1, 2, 3, tzinfo=UTC))) == (
        datetime(2010, 1, 29, 8, 1, 2, 3, tzinfo=UTC)
    )
