"""Reads straight on the driver: a request's statements without SQLAlchemy's execution.

Through SQLAlchemy every statement pays SQLAlchemy's execution (parameters processed, the
expanding IN lists compiled anew, a result set built) and, on SQLite, a trip of its own to the
sqlite3 connection's thread (~0.4 ms of hand-off each on a busy machine); on PostgreSQL the
session wraps its statements in BEGIN … ROLLBACK. Here the same statements, compiled once per
kind of dialect, run on the driver: on SQLite one after another on the driver's own thread in
one trip (`run`, given a function taking the `execute` this module provides); on asyncpg one
after another on the raw connection, with no transaction around them. Parameters go through
their types' bind processors and rows through SQLAlchemy's own result processors, so the values
are what SQLAlchemy's rows would hold (aware datetimes, booleans, decimals, JSON). Any other
driver goes through the session's connection.

A domain describes a read as a `Read` (its statements and how their rows become its answer) and
any caller gathers several domains' reads with `fetch`: the profile read's bundle
(hub.profile360) and the recommender's shopper (hub.recs) are read that way."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Enum,
    Float,
    Integer,
    Numeric,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util import await_only, greenlet_spawn

from hub.db import UTCDateTime, from_sqlite_time, in_list, list_value

# (statement, parameters) -> rows: SQLAlchemy's rows, or the driver's plain tuples.
Execute = Callable[[Any, dict[str, Any]], Sequence[Any]]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read(Generic[T]):
    """A domain's read: its Core SELECT statements with their parameters, and what their rows
    (one list per statement, values as SQLAlchemy's rows hold them) answer."""

    statements: tuple[tuple[Any, dict[str, Any]], ...]
    answer: Callable[[list[Sequence[Any]]], T]


async def fetch(session: AsyncSession, reads: Sequence[Read[Any]]) -> list[Any]:
    """Each read's answer, in order: every statement straight on the session's driver
    connection (SQLite: in one trip to its thread; asyncpg: one after another on the
    connection), elsewhere through the session's connection."""
    statements = [s for read in reads for s in read.statements]
    results: list[Sequence[Any]]
    async with straight(session) as found:
        if found is None:
            conn = await session.connection()
            results = [list(await conn.execute(q, p)) for q, p in statements]
        else:
            results = await on_driver(found, statements)
    answers, at = [], 0
    for read in reads:
        answers.append(read.answer(results[at : at + len(read.statements)]))
        at += len(read.statements)
    return answers


async def on_driver(
    found: tuple[Any, Any], statements: Sequence[tuple[Any, dict[str, Any]]]
) -> list[Sequence[Any]]:
    """Each statement's rows, converted, run on a driver `straight` (or `driver_of`) found."""
    driver, dialect = found

    def work(execute: Execute) -> dict[Any, Any]:
        return {i: execute(q, p) for i, (q, p) in enumerate(statements)}

    rows = converted(await run(driver, dialect, work), dialect, lambda i: statements[i][0])
    return [rows[i] for i in range(len(statements))]


async def in_session(
    session: AsyncSession, statements: Sequence[tuple[Any, dict[str, Any]]]
) -> list[Sequence[Any]]:
    """Each statement's rows, converted, on the session's own connection (`driver_of`), so
    that a write's reads see what its transaction wrote and hold no second connection: on
    SQLite in one trip to its thread; on PostgreSQL in the transaction once SQLAlchemy has
    begun it, before that on their own (under READ COMMITTED each statement reads its own
    snapshot either way; only their share locks end sooner). What the session holds unwritten
    is flushed first, as SQLAlchemy's autoflush would before its own statements."""
    if session.new or session.deleted or session.dirty:
        await session.flush()
    found = await driver_of(session)
    if found is None:
        conn = await session.connection()
        return [list(await conn.execute(q, p)) for q, p in statements]
    return await on_driver(found, statements)


async def fetch_in_session(session: AsyncSession, reads: Sequence[Read[Any]]) -> list[Any]:
    """`fetch` on the session's own connection (`in_session`): a write's reads, gathered."""
    statements = [s for read in reads for s in read.statements]
    results = await in_session(session, statements) if statements else []
    answers, at = [], 0
    for read in reads:
        answers.append(read.answer(results[at : at + len(read.statements)]))
        at += len(read.statements)
    return answers


def each_of(
    dialect: str,
    columns: Sequence[Any],
    where: Sequence[Any],
    key: Any,
    name: str,
) -> Any:
    """`SELECT columns WHERE where AND key IN (values)`, the values one parameter `name`
    (`list_value`), for a key that is unique under `where` and leads an index after the
    columns `where` fixes (identifiers by kind and value); made once per kind of store.

    On PostgreSQL the batch is a nested loop, one index search per value: `unnest(:values)`
    joined LATERAL to the one matching row. The plain `key = ANY(:array)` is fast only while
    the plan's estimates hold: once asyncpg's prepared statement goes to its generic plan, and
    the table has grown since its last ANALYZE, PostgreSQL reads every row of the fixed prefix
    and compares each with every value of the array (a Param array is not hashed), ~340 ms for
    1,000 new visitors against 10,000 stored identifiers, growing with the table. Elsewhere:
    `in_list`."""
    if dialect != "postgresql":
        return select(*columns).where(*where, in_list(key, name, dialect))
    wanted = (
        func.unnest(bindparam(name, type_=ARRAY(key.type)))
        .table_valued("value")
        .render_derived(name="wanted")
    )
    one: Any = literal_column("1")  # in the text: a LIMIT the planner knows
    found = select(*columns).where(*where, key == wanted.c.value).limit(one).lateral("found")
    return select(*found.c).select_from(wanted).join(found, true())


def chunked(
    session: AsyncSession,
    statement_for: Callable[[str], Any],
    name: str,
    values: Sequence[Any],
    size: int = 5000,
    **parameters: Any,
) -> tuple[tuple[Any, dict[str, Any]], ...]:
    """(statement, parameters) for every `size` values: the statement `statement_for` makes
    for the session's kind of store (once, `functools.cache`), the values as its `in_list`
    parameter `name`, `parameters` beside them; nothing for no values."""
    dialect = session.get_bind().dialect.name
    statement = statement_for(dialect)
    return tuple(
        (statement, {**parameters, name: list_value(dialect, values[at : at + size])})
        for at in range(0, len(values), size)
    )


@asynccontextmanager
async def straight(session: AsyncSession) -> AsyncIterator[tuple[Any, Any] | None]:
    """`driver_of(session)`, for one read. On PostgreSQL, while the session holds no
    connection, one is taken from its engine's pool for this read alone (checked as it is
    taken, as any pooled connection: `hub.db`) and given back right after it: the statements
    run outside a transaction either way, and a read skips the session's transaction and connection
    objects, whose setting up and closing cost about a tenth of a profile read's CPU."""
    engine = session.bind
    if (
        session.in_transaction()
        or not isinstance(engine, AsyncEngine)
        or engine.dialect.driver != "asyncpg"
    ):
        yield await driver_of(session)
        return
    pooled = await engine.raw_connection()
    try:
        yield pooled.driver_connection, engine.dialect
    finally:
        await greenlet_spawn(pooled.close)


async def driver_of(session: AsyncSession) -> tuple[Any, Any] | None:
    """The session's driver connection and dialect when reads can go straight to it: SQLite's
    (hub.sqlite_driver.Connection, whose `run` takes a function to its thread) or asyncpg's;
    None on any other store.

    On PostgreSQL a read that goes straight to asyncpg starts no transaction (SQLAlchemy sends
    BEGIN before its own first statement, and ROLLBACK at the end only after one): each
    statement runs on its own snapshot, which a read of independent parts can take."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if conn.dialect.name == "sqlite":
        return (driver, conn.dialect) if hasattr(driver, "run") else None
    if conn.dialect.driver == "asyncpg":
        return driver, conn.dialect
    return None


async def run(
    driver: Any, dialect: Dialect, work: Callable[..., dict[Any, Any]], *args: Any
) -> dict[Any, Any]:
    """`work(execute, *args)` with an `execute` that runs statements on the driver: on
    SQLite all of it on the driver's thread (one trip); on asyncpg in a greenlet, each
    statement awaited on the connection."""
    if dialect.name != "sqlite":

        def execute(statement: Any, parameters: dict[str, Any]) -> Sequence[Any]:
            rows: Sequence[Any] = _on_asyncpg(driver, dialect, statement, parameters)
            return rows

        done: dict[Any, Any] = await greenlet_spawn(work, execute, *args)
        return done

    def on_thread() -> dict[Any, Any]:
        def execute(statement: Any, parameters: dict[str, Any]) -> Sequence[Any]:
            return select_on_thread(driver, dialect, statement, parameters)

        return work(execute, *args)

    try:
        found: dict[Any, Any] = await driver.run(on_thread)
    except sqlite3.Error as error:  # the BEGIN `db.hold_writes` put before it: a busy store
        raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from error
    return found


def select_on_thread(
    driver: Any, dialect: Dialect, statement: Any, parameters: dict[str, Any]
) -> Sequence[Any]:
    """One statement's rows as the driver's tuples (call on the driver's thread)."""
    connection: sqlite3.Connection = driver._conn
    sql, values = _compiled(statement, dialect).render(parameters)
    try:
        return connection.execute(sql, values).fetchall()
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, values, error, sqlite3.Error) from error


@dataclass(slots=True)
class _Compiled:
    """A statement as the driver runs it: its SQL with each expanding parameter's placeholder
    to fill in, the parameters in order, and a result processor per column (on PostgreSQL
    learned at its first run: some depend on the type the server reports)."""

    sql: str
    names: tuple[str, ...]
    expanding: frozenset[str]
    defaults: dict[str, Any]
    binders: dict[str, Callable[[Any], Any]]  # a parameter's type's bind processor, if any
    processors: tuple[Callable[[Any], Any] | None, ...] | None
    # The statement itself, kept alive: its id() is this entry's key and must stay its own.
    statement: Any = None
    # asyncpg: the SQL cut at its placeholders, and the SQL made per count of expanding items.
    template: tuple[str | tuple[str, bool], ...] | None = None
    numbered: dict[tuple[int, ...], str] = field(default_factory=dict)
    # The rows converter made for `processors` (see `_converter`), with the tuple it was made for.
    converter: tuple[Any, Callable[[Sequence[Any]], list[Any]] | None] | None = None

    def value(self, name: str, parameters: dict[str, Any]) -> Any:
        """A parameter's value as the driver takes it (each item of an expanding one)."""
        value = parameters[name] if name in parameters else self.defaults[name]
        bind = self.binders.get(name)
        if bind is None:
            return value
        return [bind(v) for v in value] if name in self.expanding else bind(value)

    def render(self, parameters: dict[str, Any]) -> tuple[str, list[Any]]:
        sql, values = self.sql, []
        for name in self.names:
            value = self.value(name, parameters)
            if name in self.expanding:
                marks = ", ".join("?" * len(value)) if value else "NULL"
                sql = sql.replace(f"__[POSTCOMPILE_{name}]", marks, 1)
                values.extend(value)
            else:
                values.append(value)
        return sql, values

    def render_numbered(self, parameters: dict[str, Any]) -> tuple[str, list[Any]]:
        """The SQL and values for a `$1, $2, …` driver (asyncpg): the compiled string numbers
        the plain parameters in order, and each expanding one becomes a run of numbers. The
        SQL is made once per count of each expanding parameter's items."""
        template = self.pieces()
        values: list[Any] = []
        counts: list[int] = []
        seen: set[str] = set()
        for piece in template:
            if isinstance(piece, str):
                continue
            name, expanding = piece
            if expanding:
                items = list(self.value(name, parameters))
                counts.append(len(items))
                values.extend(items)
            elif name not in seen:  # a plain parameter keeps its first number
                seen.add(name)
                values.append(self.value(name, parameters))
        key = tuple(counts)
        sql = self.numbered.get(key)
        if sql is None:
            if len(self.numbered) >= _NUMBERED_KEPT:
                self.numbered.clear()
            sql = self.numbered[key] = _numbered_sql(template, key)
        return sql, values

    def pieces(self) -> tuple[str | tuple[str, bool], ...]:
        """The SQL cut at its placeholders (`_template`), made at first use."""
        if self.template is None:
            self.template = _template(self.sql, self.names, self.expanding)
        return self.template


def _template(
    sql: str, names: tuple[str, ...], expanding: frozenset[str]
) -> tuple[str | tuple[str, bool], ...]:
    """The compiled SQL cut at its placeholders: its text, and (parameter, expanding) where
    each placeholder stood."""
    plain = [n for n in names if n not in expanding]
    pieces: list[str | tuple[str, bool]] = []
    at = 0
    for match in _PLACEHOLDER.finditer(sql):
        pieces.append(sql[at : match.start()])
        if match.group(1) is not None:
            pieces.append((plain[int(match.group(1)) - 1], False))
        else:
            pieces.append((match.group(2), True))
        at = match.end()
    pieces.append(sql[at:])
    return tuple(pieces)


def _numbered_sql(template: tuple[str | tuple[str, bool], ...], counts: tuple[int, ...]) -> str:
    """The template with `$n` numbers: a plain parameter's first, and a run for each expanding
    one (`counts`: their items, in order; none is NULL)."""
    out: list[str] = []
    numbers: dict[str, int] = {}
    runs = iter(counts)
    used = 0
    for piece in template:
        if isinstance(piece, str):
            out.append(piece)
            continue
        name, expanding = piece
        if not expanding:
            if name not in numbers:
                used += 1
                numbers[name] = used
            out.append(f"${numbers[name]}")
            continue
        count = next(runs)
        out.append(", ".join(f"${i}" for i in range(used + 1, used + count + 1)) or "NULL")
        used += count
    return "".join(out)


_NUMBERED_KEPT = 512  # numbered SQL strings kept per statement
_PLACEHOLDER = re.compile(r"\$(\d+)|__\[POSTCOMPILE_(\w+)\]")

# Compiled once per statement and kind of dialect (a dialect object's id could be reused by
# another engine's once the first is gone; the module-level statements' ids are not).
_COMPILED: dict[tuple[int, type, str], _Compiled] = {}


def _compiled(statement: Any, dialect: Dialect) -> _Compiled:
    key = (id(statement), type(dialect), dialect.paramstyle)
    found = _COMPILED.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        found = _COMPILED[key] = _Compiled(
            sql=compiled.string,
            names=tuple(compiled.positiontup or ()),
            expanding=frozenset(p.key for p in compiled.post_compile_params),
            defaults=compiled.construct_params(_check=False),
            binders={
                name: bind
                for name, parameter in compiled.binds.items()
                if (bind := parameter.type._cached_bind_processor(dialect)) is not None
            },
            processors=_processors(statement, dialect) if dialect.name == "sqlite" else None,
            statement=statement,
        )
    return found


def _processors(
    statement: Any, dialect: Dialect, types: Sequence[int | None] | None = None
) -> tuple[Callable[[Any], Any] | None, ...]:
    """A result processor per selected column; `types`: the server's type of each (what
    SQLAlchemy's asyncpg dialect reads numbers by)."""
    columns = statement.selected_columns
    return tuple(
        _processor(c.type, dialect, types[i] if types else None) for i, c in enumerate(columns)
    )


def _processor(type_: Any, dialect: Dialect, coltype: int | None) -> Callable[[Any], Any] | None:
    if isinstance(type_, UTCDateTime) and dialect.name == "sqlite":
        # What UTCDateTime reads back from SQLite's text, without the generic parse.
        return _from_sqlite_time
    processor: Callable[[Any], Any] | None = type_._cached_result_processor(dialect, coltype)
    return processor


def _on_asyncpg(driver: Any, dialect: Dialect, statement: Any, parameters: dict[str, Any]) -> Any:
    """One statement's rows from an asyncpg connection (call in a greenlet); its first run
    asks the server for the columns' types, which its result processors are chosen by."""
    compiled = _compiled(statement, dialect)
    sql, values = compiled.render_numbered(parameters)
    if compiled.processors is None:
        _learn(driver, dialect, statement, compiled, sql)
    return await_only(driver.fetch(sql, *values))


def _learn(driver: Any, dialect: Dialect, statement: Any, compiled: _Compiled, sql: str) -> None:
    prepared = await_only(driver.prepare(sql))
    types = [a.type.oid for a in prepared.get_attributes()]
    compiled.processors = _processors(statement, dialect, types)


@lru_cache(maxsize=8192)
def _from_sqlite_time(value: str | None) -> datetime | None:
    # Cached: a profile's events and learned interests share few distinct times (a basket's
    # lines, one visit's views), and a datetime is immutable.
    return None if value is None else from_sqlite_time(value)


def converted(
    rows: Mapping[Any, Any], dialect: Dialect, statement_of: Callable[[Any], Any]
) -> dict[Any, Any]:
    """The driver's tuples as SQLAlchemy's rows would hold them, with each statement's own
    result processors (`statement_of` names the statement that read each entry)."""
    converted: dict[Any, Any] = {}
    for name, found in rows.items():
        convert = _converter(_compiled(statement_of(name), dialect))
        converted[name] = found if convert is None else convert(found)
    return converted


def from_json(
    rows: Mapping[Any, Sequence[Sequence[Any]]], statement_of: Callable[[Any], Any]
) -> dict[Any, Any]:
    """Rows that came as JSON arrays (PostgreSQL's `json_build_array` of a statement's
    columns, parsed by the stdlib's `json`) as tuples of the values SQLAlchemy's rows of that
    statement hold: times as aware UTC datetimes, floats as floats (JSON writes 85.0 as 85),
    exact numerics (sent as their text) as Decimals. `statement_of` names each entry's
    statement, as for `converted`."""
    return {name: _json_converter(statement_of(name))(found) for name, found in rows.items()}


def json_column(column: Any) -> Any:
    """`column` as a statement puts it into JSON for `from_json` to read back: as it is, but an
    exact numeric (a price) as its text, since JSON's numbers are read back as floats."""
    return cast(column, Text) if _exact(column.type) else column


def _exact(type_: Any) -> bool:
    return isinstance(type_, Numeric) and bool(type_.asdecimal)


@cache  # per statement (a Select hashes and compares by identity), kept with it
def _json_converter(statement: Any) -> Callable[[Sequence[Sequence[Any]]], list[Any]]:
    return _rows_converter([_json_reader(column) for column in statement.selected_columns])


def _json_reader(column: Any) -> Callable[[Any], Any] | None:
    """How a column's JSON value becomes what SQLAlchemy's row holds (None: as it is)."""
    type_ = column.type
    if isinstance(type_, UTCDateTime | DateTime):
        return _from_json_time
    if isinstance(type_, Float) and not type_.asdecimal:
        return _float
    if isinstance(type_, Numeric):
        return _from_json_decimal if _exact(type_) else _float  # `json_column` sent its text
    if isinstance(type_, String | Boolean | Integer | JSON) and not isinstance(type_, Enum):
        return None  # (an Enum's rows hold its members: not read here until it is needed)
    raise TypeError(f"no JSON reading for column {column.name!r} of type {type_!r}")


@lru_cache(maxsize=8192)
def _from_json_time(value: str | None) -> datetime | None:
    # PostgreSQL writes a timestamptz in the session's time zone, with up to six digits of
    # fraction; asyncpg reads ±infinity as the last and first representable moments.
    if value is None:
        return None
    if value.endswith("infinity"):
        return (datetime.min if value[0] == "-" else datetime.max).replace(tzinfo=UTC)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _from_json_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _float(value: float | int | str | None) -> float | None:
    return None if value is None else float(value)  # also "NaN", "Infinity", as JSON has none


def _converter(compiled: _Compiled) -> Callable[[Sequence[Any]], list[Any]] | None:
    """A function turning a statement's rows into tuples of processed values, one expression
    per column (`(p1(r[0]), r[1], …)`, made once per statement): no loop over the columns and
    no list per row. None when no column has a processor (the rows are kept as they are)."""
    processors = compiled.processors or ()
    made = compiled.converter
    if made is not None and made[0] is processors:
        return made[1]
    convert = _rows_converter(processors) if any(p is not None for p in processors) else None
    compiled.converter = (processors, convert)
    return convert


def _rows_converter(
    processors: Sequence[Callable[[Any], Any] | None],
) -> Callable[[Sequence[Sequence[Any]]], list[Any]]:
    """`rows -> [(p0(r[0]), r[1], …) for r in rows]`, written out for these processors."""
    names = {f"p{i}": p for i, p in enumerate(processors) if p is not None}
    columns = "".join(
        f"p{i}(r[{i}]), " if p is not None else f"r[{i}], " for i, p in enumerate(processors)
    )
    namespace: dict[str, Any] = dict(names)
    exec(f"def convert(rows):\n    return [({columns}) for r in rows]\n", namespace)
    convert: Callable[[Sequence[Sequence[Any]]], list[Any]] = namespace["convert"]
    return convert
