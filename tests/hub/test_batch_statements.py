"""The statements a batch uses. `db.insert_tuples` stores what SQLAlchemy's own executemany
stores: the same text, numbers and NULLs on SQLite (where it hands rows to the driver itself),
the same values read back on PostgreSQL (where it uses COPY); a batch it cannot bind itself goes
through SQLAlchemy. `db.one_of` (one parameter for thousands of values) finds what an IN list
finds, through the column's index."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    text,
)

from hub import reads
from hub.audit import AUDIT_COLUMNS, AuditEntry
from hub.auth.models import KeyProfile
from hub.auth.repository import KEY_PROFILE_COLUMNS
from hub.db import (
    Database,
    JSONType,
    UTCDateTime,
    _sqlite_binders,
    asyncpg_connect_args,
    insert_tuples,
    list_value,
    one_of,
)
from hub.events.models import Event
from hub.events.repository import EVENT_COLUMNS
from hub.identity.models import Identifier
from hub.identity.repository import IDENTIFIER_COLUMNS
from hub.preferences.models import Affinity
from hub.preferences.repository import LEARNED_COLUMNS
from hub.profiles.models import Profile
from hub.profiles.repository import PROFILE_COLUMNS

metadata = MetaData()


def _table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(40), nullable=False),
        Column("note", Text),
        Column("count", BigInteger),
        Column("price", Numeric(12, 2)),
        Column("score", Float),
        Column("known", Boolean, default=False),
        Column("at", UTCDateTime),
        Column("data", JSONType),
    )


by_sqlalchemy = _table("by_sqlalchemy")
by_insert_rows = _table("by_insert_rows")
dated = Table("dated", metadata, Column("id", Integer, primary_key=True), Column("day", Date))

BERLIN = timezone(timedelta(hours=1))
ROWS: list[dict[str, Any]] = [
    {
        "name": "aware",
        "note": "tea, \"quoted\" and 'single'",
        "count": 2**40,
        "price": Decimal("12.50"),
        "score": 0.1 + 0.2,
        "known": True,
        "at": datetime(2010, 3, 1, 9, 30, tzinfo=UTC),
        "data": {"b": [1, 2.5, None], "a": "é"},
    },
    {
        "name": "other zone, microseconds",
        "note": None,
        "count": None,
        "price": None,
        "score": None,
        "known": False,
        "at": datetime(2010, 3, 1, 10, 30, 0, 123, tzinfo=BERLIN),
        "data": None,
    },
    {
        "name": "naive, read as UTC",
        "note": "",
        "count": 0,
        "price": 3,
        "score": 3,
        "known": True,
        "at": datetime(2010, 12, 9, 23, 59, 59, 999999),
        "data": [],
    },
    {
        "name": "no time",
        "note": "x",
        "count": -1,
        "price": Decimal("0.01"),
        "score": 1e-300,
        "known": False,
        "at": None,
        "data": {},
    },
]


async def _insert(session: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """`rows` (each naming the same columns) with `insert_tuples`."""
    columns = list(rows[0])
    await insert_tuples(session, table, columns, [tuple(r[c] for c in columns) for r in rows])


async def _stored(db: Database, table: Table) -> list[tuple[Any, ...]]:
    async with db.engine.connect() as connection:
        if db.dialect == "sqlite":
            # What the file holds: each value's storage class and its text.
            columns = [c.name for c in table.c if c.name != "id"]
            parts = ", ".join(f'typeof("{c}"), quote("{c}")' for c in columns)
            found = await connection.execute(text(f"SELECT {parts} FROM {table.name} ORDER BY id"))
            return [tuple(row) for row in found]
        rows = await connection.execute(select(table).order_by(table.c.id))
        return [tuple(row)[1:] for row in rows]


async def test_the_same_values_as_sqlalchemy(make_database: Callable[[str], str]) -> None:
    db = Database(make_database("insertrows"))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        async with db.sessions() as session:
            await session.execute(insert(by_sqlalchemy), ROWS)
            await _insert(session, by_insert_rows, ROWS)
            await session.commit()
        assert len(await _stored(db, by_insert_rows)) == len(ROWS)
        assert await _stored(db, by_insert_rows) == await _stored(db, by_sqlalchemy)
        async with db.sessions() as session:
            found = (await session.execute(select(by_insert_rows).order_by("id"))).all()
        assert [row.at for row in found] == [
            datetime(2010, 3, 1, 9, 30, tzinfo=UTC),
            datetime(2010, 3, 1, 9, 30, 0, 123, tzinfo=UTC),
            datetime(2010, 12, 9, 23, 59, 59, 999999, tzinfo=UTC),
            None,
        ]
        assert found[0].data == {"b": [1, 2.5, None], "a": "é"}
        assert found[0].price == Decimal("12.50")
    finally:
        await db.dispose()


def test_the_batch_tables_are_bound_by_insert_tuples_itself() -> None:
    """Every column of the rows a batch writes has a binder on SQLite: none of these falls
    back to SQLAlchemy's per-row executemany (SQLAlchemy 2.1's Float is no longer a Numeric,
    and the learned interests' inserts fell back so, unnoticed, for a while)."""
    assert _sqlite_binders(by_insert_rows, list(ROWS[0])) is not None
    for table, columns in [
        (Event.__table__, EVENT_COLUMNS),
        (Identifier.__table__, IDENTIFIER_COLUMNS),
        (Profile.__table__, PROFILE_COLUMNS),
        (AuditEntry.__table__, AUDIT_COLUMNS),
        (Affinity.__table__, ["profile_id", "key", "value", *LEARNED_COLUMNS]),
        (KeyProfile.__table__, KEY_PROFILE_COLUMNS),
    ]:
        assert _sqlite_binders(table, columns) is not None, table
        # Every column a new row must have a value for is named (the rest may be NULL).
        needed = {
            c.name
            for c in table.c
            if c.name in insert_columns(table) and (not c.nullable or c.default is not None)
        }
        assert needed <= set(columns), (table, needed - set(columns))


def insert_columns(table: Any) -> list[str]:
    return [c.name for c in table.c if not (c.primary_key and c.autoincrement is True)]


async def test_batches_it_cannot_bind_go_through_sqlalchemy(
    make_database: Callable[[str], str],
) -> None:
    db = Database(make_database("insertrows"))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        async with db.sessions() as session:
            # A column with a Python-side default left out: SQLAlchemy fills it in.
            await _insert(session, by_insert_rows, [{"name": "defaulted"}])
            # A type it does not bind itself (a plain Date).
            await _insert(session, dated, [{"day": datetime(2010, 3, 1).date()}])
            await session.commit()
        async with db.sessions() as session:
            known = await session.scalar(select(by_insert_rows.c.known))
            day = await session.scalar(select(dated.c.day))
        assert known is False
        assert day == datetime(2010, 3, 1).date()
    finally:
        await db.dispose()


async def test_one_of_finds_what_an_in_list_finds(make_database: Callable[[str], str]) -> None:
    db = Database(make_database("oneof"))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        names = [f"name {i} é'\"" for i in range(3000)]
        async with db.sessions() as session:
            await _insert(session, by_insert_rows, [{"name": n, "known": False} for n in names])
            await session.commit()
        column = by_insert_rows.c.name
        for wanted in ([*names[::7], "nobody", ""], [], names[:1]):
            async with db.sessions() as session:
                found = await session.scalars(select(column).where(one_of(session, column, wanted)))
                listed = await session.scalars(select(column).where(column.in_(wanted)))
                assert sorted(found) == sorted(listed) == sorted(set(wanted) & set(names))
        async with db.sessions() as session:  # one value (a kiosk's event): a plain equality
            single = select(column).where(one_of(session, column, names[:1]))
            compiled = str(single.compile(dialect=session.get_bind().dialect))
            assert "json_each" not in compiled and "unnest" not in compiled, compiled
        ids = list(range(1, 3001, 5))
        async with db.sessions() as session:
            found_ids = await session.scalars(
                select(by_insert_rows.c.id).where(one_of(session, by_insert_rows.c.id, ids))
            )
            assert sorted(found_ids) == ids
        if db.dialect == "sqlite":
            async with db.sessions() as session:
                statement = select(by_insert_rows.c.id).where(
                    one_of(session, by_insert_rows.c.id, ids)
                )
                compiled = statement.compile(dialect=session.get_bind().dialect)
                connection = await session.connection()
                plan = await connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {compiled}", (json.dumps(ids),)
                )
                details = " ".join(str(row[-1]) for row in plan)
            assert "SEARCH by_insert_rows USING INTEGER PRIMARY KEY" in details, details
        else:
            # In the generic plan a prepared statement goes to after five runs, `= ANY(:array)`
            # could be a filter comparing every row with every value (products against a
            # batch's skus: 32 ms); the semi-join never is.
            plan = await _generic_plan(
                db,
                lambda session: select(by_insert_rows.c.id).where(
                    one_of(session, by_insert_rows.c.name, names[:1000])
                ),
            )
            assert "= ANY" not in plan, plan
    finally:
        await db.dispose()


async def _generic_plan(db: Database, build: Callable[[Any], Any]) -> str:
    """PostgreSQL's generic plan for a statement, as JSON text."""
    async with db.sessions() as session:
        compiled = build(session).compile(dialect=session.get_bind().dialect)
    reader = await asyncpg.connect(**asyncpg_connect_args(db.url))
    try:
        await reader.execute("SET plan_cache_mode = force_generic_plan")
        prepared = await reader.prepare(str(compiled))
        names = compiled.positiontup or []
        [explained] = await prepared.explain(*(compiled.params[n] for n in names))
    finally:
        await reader.close()
    return json.dumps(explained)


keyed = Table(
    "keyed",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("value", String(320), nullable=False),
    UniqueConstraint("kind", "value", name="uq_keyed_kind_value"),
)


async def test_one_each_finds_what_an_in_list_finds_one_index_search_a_value(
    make_database: Callable[[str], str],
) -> None:
    """Identifiers by kind and value. On PostgreSQL, even in the generic plan asyncpg's
    prepared statement goes to after five runs, and with the table grown since its last
    ANALYZE, the lookup searches the unique index once per value; `value = ANY(:array)` read
    every row of the kind then and compared it with every value (the test fails that way)."""
    db = Database(make_database("oneeach"))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            if db.dialect == "postgresql":
                await connection.execute(text("ANALYZE keyed"))  # while it is empty
        values = [f"visitor-{i:05d}" for i in range(6000)]
        async with db.sessions() as session:
            await session.execute(
                insert(keyed),
                [
                    {"kind": "ANONYMOUS_ID" if i % 3 else "EMAIL", "value": v}
                    for i, v in enumerate(values)
                ],
            )
            await session.commit()
        wanted = [*values[::11], "visitor-none", ""]
        columns = (keyed.c.kind, keyed.c.value, keyed.c.id)
        statement = reads.each_of(
            db.dialect, columns, (keyed.c.kind == bindparam("kind"),), keyed.c.value, "values"
        )
        for kind in ("ANONYMOUS_ID", "EMAIL", "PHONE"):
            async with db.sessions() as session:
                found = await session.execute(
                    statement, {"kind": kind, "values": list_value(db.dialect, wanted)}
                )
                listed = await session.execute(
                    select(*columns).where(keyed.c.kind == kind, keyed.c.value.in_(wanted))
                )
                assert sorted(map(tuple, found)) == sorted(map(tuple, listed))
        if db.dialect != "postgresql":
            return
        plan = await _generic_plan(
            db, lambda session: statement.params(kind="ANONYMOUS_ID", values=wanted)
        )
        assert '"Node Type": "Nested Loop"' in plan, plan
        assert '"Index Name": "uq_keyed_kind_value"' in plan, plan
        assert "ANY" not in plan, plan
    finally:
        await db.dispose()
