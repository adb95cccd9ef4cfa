"""Engine, sessions and the declarative base shared by every domain."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterator,
    MutableMapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from asyncpg import exceptions as asyncpg_errors
from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    bindparam,
    event,
    exc,
    func,
    insert,
    make_url,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_only

from hub import jsontext, sqlite_driver

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which stores naive text) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_time(value: datetime) -> str:
    """What UTCDateTime stores on SQLite for `value` (aware): UTC text with microseconds, for
    hot paths that hand rows to the driver themselves."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    text = value.replace(tzinfo=None).isoformat(" ")
    return text if value.microsecond else text + ".000000"  # isoformat leaves zero µs out


def from_sqlite_time(value: str) -> datetime:
    """What UTCDateTime reads back from SQLite's text: an aware UTC datetime."""
    # The offset parsed with the text: a fifth of the time of `.replace(tzinfo=UTC)`. Text
    # with an offset of its own, or a bare date, is read as UTCDateTime reads it.
    try:
        moment = datetime.fromisoformat(value + "+00:00")
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return moment


def one_of(session: AsyncSession, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (values)` for a batch of thousands of text or integer values, as one
    parameter (`in_list`, built per call with its values): SQLAlchemy renders every value of
    an expanding IN list on every execution (on PostgreSQL casting each, ~10 µs a value). One
    value is `column = :value`: building the array's subquery cost a single-event write (a
    kiosk's `track`) more than SQLite's whole statement, five times a write."""
    if len(values) == 1:
        return cast(ColumnElement[bool], column == values[0])
    dialect = session.get_bind().dialect.name
    return cast(ColumnElement[bool], in_list(column, None, dialect, list_value(dialect, values)))


_NO_VALUE: Any = object()


def in_list(column: Any, name: str | None, dialect: str, value: Any = _NO_VALUE) -> Any:
    """`column IN (values)` with every value in one parameter `name` (its value given at
    execution, `list_value`; or `value` here, a parameter of its own, as `one_of` builds it), so
    that a statement holding it can be made once per kind of store and compiled once.
    PostgreSQL: `IN (SELECT unnest(:array))`, not `= ANY(:array)`: once asyncpg's prepared
    statement goes to PostgreSQL's generic plan, `= ANY` of the Param array may be a filter
    that compares every row with every value (no hashing): a seq scan of 1,239 products
    against 1,000 skus took 32 ms a batch. The semi-join hashes the values or searches the
    index once per value, whatever the estimates. SQLite: `IN (SELECT value FROM
    json_each(:json))`, which searches the column's index as the list would. Elsewhere an
    expanding list."""

    def parameter(type_: Any = None, expanding: bool = False) -> Any:
        if value is _NO_VALUE:
            return bindparam(name, type_=type_, expanding=expanding)
        return bindparam(name, value, type_=type_, expanding=expanding)

    if dialect == "postgresql":
        return column.in_(select(func.unnest(parameter(ARRAY(column.type)))))
    if dialect == "sqlite":
        values = func.json_each(parameter(String)).table_valued("value")
        return column.in_(select(values.c.value))
    return column.in_(parameter(expanding=True))


def list_value(dialect: str, values: Sequence[Any]) -> Any:
    """The parameter of an `in_list` for these values."""
    return jsontext.dumps(list(values)) if dialect == "sqlite" else list(values)


async def copy_rows(
    session: AsyncSession, table: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> bool:
    """PostgreSQL: `rows` (a value per column of `columns` each) into `table` with COPY, asyncpg's
    binary `copy_records_to_table`, on the session's own connection and in its transaction: one
    statement and one round trip for thousands of rows, and a statement trigger run once.

    Values go as the column types bind them: JSON columns as JSON text (the jsonb codec
    SQLAlchemy installs takes text), numerics as Decimal; columns left out get their server
    default, so a caller names every column that has a Python-side one. A failure is raised as
    SQLAlchemy raises a statement's (an IntegrityError for a unique-key race, which writers
    retry), translated by the dialect's own adapter. False, and nothing done, on another store
    or before the transaction has begun (the adapter begins it on the first statement; a COPY
    outside it would commit on its own): the caller inserts the rows its own way.
    """
    if not rows or session.get_bind().dialect.name != "postgresql":
        return False
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None or not driver.is_in_transaction():
        return False
    values = list(zip(*rows, strict=True))  # column by column
    for at, name in enumerate(columns):
        kind = table.c[name].type
        how: Callable[[Any], Any] | None = None
        if isinstance(kind, JSON):
            how = strict_json
        elif isinstance(kind, Numeric) and kind.asdecimal:
            how = _decimal
        if how is not None:
            values[at] = tuple(None if value is None else how(value) for value in values[at])
    records = list(zip(*values, strict=True))
    try:
        await driver.copy_records_to_table(table.name, records=records, columns=list(columns))
    except BaseException as error:
        closed = not isinstance(error, asyncpg_errors.PostgresError)
        if closed:
            # The connection broke, or the request was cancelled, in the middle of the COPY, or
            # its protocol was already stuck ("another operation is in progress": the server
            # ended the session while it sat idle in this transaction, a primary restarting):
            # its state is unknown, so it is closed (the pool replaces it) rather than left
            # in the middle of an operation for the ROLLBACK that follows, and the error says
            # so — the write is worth sending again, not a bug (`unavailable`).
            driver.terminate()
        if not isinstance(error, Exception):
            raise
        dbapi = connection.dialect.loaded_dbapi
        try:
            raw.dbapi_connection._handle_exception(error)  # type: ignore[union-attr]
        except dbapi.Error as translated:
            raise exc.DBAPIError.instance(
                f"COPY {table.name}",
                None,
                translated,
                dbapi.Error,
                connection_invalidated=closed,
                dialect=connection.dialect,
            ) from error
        raise
    return True


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


async def insert_tuples(
    session: AsyncSession, table: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """`rows` (a value per column of `columns` each, in that order) into `table` in one
    statement: COPY on PostgreSQL (`copy_rows`); on SQLite one executemany straight to the
    driver, each value bound as its column's type binds it (UTCDateTime as UTC text, JSON as
    JSON text, numerics as REAL, booleans as 0/1) column by column: SQLAlchemy's per-row
    parameter processing cost more than SQLite's insert of a batch's thousand rows. A batch
    that leaves out a column with a Python-side default, or names a column of another type,
    goes through SQLAlchemy's executemany, as elsewhere. The hot paths (a batch's events,
    learned interests, identifiers, profiles, audit rows and a web key's links to the
    customers it named) build tuples, not mappings."""
    if not rows or await copy_rows(session, table, columns, rows):
        return
    binders = _sqlite_binders(table, columns) if is_sqlite(session) else None
    if binders is None:
        await session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    connection = await session.connection()
    quote = connection.dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    if binders:
        times: dict[datetime, str] = {}  # a batch repeats its moments (an order's lines)
        values = list(zip(*rows, strict=True))  # column by column
        for at, binder in binders:
            values[at] = tuple(map(binder(times), values[at]))
        rows = list(zip(*values, strict=True))
    await connection.exec_driver_sql(statement, list(rows))


# For each column type, what SQLite is handed for a value (given the batch's moments cache).
_Binder = Callable[[dict[datetime, str]], Callable[[Any], Any]]


def _bind_time(times: dict[datetime, str]) -> Callable[[Any], Any]:
    def bind(value: datetime | None) -> str | None:
        if value is None:
            return None
        found = times.get(value)
        if found is None:
            aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            found = times[value] = sqlite_time(aware)
        return found

    return bind


def _bind_json(_times: dict[datetime, str]) -> Callable[[Any], Any]:
    return strict_json  # None too: SQLAlchemy's JSON stores Python None as JSON null


def _bind_real(_times: dict[datetime, str]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else float(value)


def _bind_bool(_times: dict[datetime, str]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else int(value)


def _sqlite_binders(table: Any, columns: Sequence[str]) -> list[tuple[int, _Binder]] | None:
    """(position, binder) of each column whose values need binding; None when a column with a
    Python-side default is left out or a column's type is not one of these."""
    named = set(columns)
    if any(c.default is not None and c.name not in named for c in table.c):
        return None
    binders: list[tuple[int, _Binder]] = []
    for at, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, UTCDateTime):
            binders.append((at, _bind_time))
        elif isinstance(kind, JSON):
            binders.append((at, _bind_json))
        elif isinstance(kind, Numeric | Float):  # SQLAlchemy 2.1's Float is not a Numeric
            binders.append((at, _bind_real))
        elif isinstance(kind, Boolean):
            binders.append((at, _bind_bool))
        elif type(kind) not in _PLAIN_TYPES:
            return None
    return binders


_PLAIN_TYPES = (String, Text, Integer, BigInteger)


def is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


async def hold_writes(session: AsyncSession) -> None:
    """Begin the session's write transaction now, before the reads a write decides on (whose
    profiles own these identifiers, whether they were merged, erased or suppressed).

    PostgreSQL: nothing here; its writers lock the rows they read (`FOR UPDATE`) and each
    statement then sees what committed before it. SQLite has no row locks, and the sqlite3
    module begins a transaction only at the first INSERT, UPDATE or DELETE: until then each
    read stands alone, and a merge or an erasure could commit between a write's reads and its
    first statement (a `track` batch then stored events on the merged-away profile, or made a
    profile anew for an erased customer's identifier). `BEGIN IMMEDIATE` takes the store's
    write lock (after the process's gate, `sqlite_driver.WriterGate`) so that from here on
    every read is current and no other writer commits until this one has; on the hub's own
    driver it goes to SQLite with the next statement, in the same trip to its thread."""
    if not is_sqlite(session):
        return
    connection = await session.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection
    if isinstance(driver, sqlite_driver.Connection):
        driver.hold_writes()
    elif not driver.in_transaction:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


async def one_snapshot(session: AsyncSession) -> None:
    """Every read of the session's transaction from one snapshot of the store: for a write that
    reads many rows a page at a time and decides on all of them together (a campaign's
    audience). Called before the transaction's first statement.

    PostgreSQL: REPEATABLE READ (at READ COMMITTED each statement sees what committed before
    it, so a merge that commits between two pages moves a customer from a page still to come
    to one already read, and nobody is mailed). A write that meets a row changed since the
    snapshot fails with a serialization failure, which `Context.write` retries from the start.
    SQLite: nothing here; such a write takes the store's write lock before its reads (its first
    statement is a write), and no other writer commits until it has. A transaction that has
    begun already (seeding, which runs alone) keeps its level."""
    if is_sqlite(session) or session.in_transaction():
        return
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


@asynccontextmanager
async def snapshot_reads(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A session of its own, on `session`'s store, whose reads all see the store as of one
    moment: for a long read taken page by page (a segment's export) beside a write session that
    only records it. Writers go on meanwhile; none of their commits is seen.

    SQLite: a deferred read transaction (`BEGIN`: no writer gate, no write lock; the snapshot
    is taken at its first read). PostgreSQL: REPEATABLE READ. A write session could not do this
    on SQLite: a transaction that has read and then writes fails (SQLITE_BUSY_SNAPSHOT) once
    another writer has committed since its snapshot."""
    reader = AsyncSession(bind=session.bind, expire_on_commit=False)
    try:
        if is_sqlite(reader):
            await reader.execute(text("BEGIN DEFERRED"))
        else:
            await reader.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield reader
    finally:
        await reader.close()


def sqlite_times() -> Callable[[datetime | None], str | None]:
    """What UTCDateTime stores on SQLite for each moment of one batch, each distinct moment
    formatted once (a batch's rows share their times): for hot paths that hand rows to the
    driver themselves."""
    return _bind_time({})


# Set only by `clock_at` (the backtest); None, the default, is the wall clock.
_CLOCK: ContextVar[datetime | None] = ContextVar("rapport_clock", default=None)


def utcnow() -> datetime:
    """Now, in UTC; inside `clock_at(moment)` that moment instead."""
    frozen = _CLOCK.get()
    return datetime.now(UTC) if frozen is None else frozen


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the hub "as of" `moment`: utcnow() returns it in this context and the tasks and
    threads started from it (the backtest serves picks as of each cut-off)."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs a timezone-aware moment")
    token = _CLOCK.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _CLOCK.reset(token)


_READ_MEMO = "rapport.read_memo"
T = TypeVar("T")


def remember_reads(session: AsyncSession) -> None:
    """Mark a request's read-only session: repeated loads within it are answered once.

    A profile read asks for the same preferences and consents from several fields (the
    preferences themselves, the picks, the segments); only the first goes to the database.
    Never on a session that writes: what it remembers would go stale.
    """
    session.info[_READ_MEMO] = {}


async def remembered(session: AsyncSession, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
    memo = session.info.get(_READ_MEMO)
    if memo is None:
        return await load()
    if key not in memo:
        memo[key] = await load()
    return cast(T, memo[key])


# Each pooled SQLite connection's own page cache, in KiB (64 MiB).
SQLITE_CACHE_KIB = 65_536
# The page size of a store this hub creates, in bytes (SQLite's default is 4 KiB). With 8 KiB
# pages each B-tree is shallower and a profile's rows share fewer pages: at a million profiles
# a read of a profile not in memory fetches fewer pages and its p50 falls by a sixth, the file
# is a fifth smaller, and imports cost the same; 16 and 32 KiB read a little faster still but
# cost `track` more (docs/performance.md, "Goal 4, fourth round"). It takes effect only on a
# new, empty file; a store made before keeps its 4 KiB pages until `rapport-hub vacuum`.
SQLITE_PAGE_SIZE = 8_192


def _tune_sqlite(dbapi_connection: Any, record: Any) -> None:
    # WAL lets readers run beside the writer; busy_timeout makes a second writer wait
    # instead of failing; NORMAL sync is durable at every checkpoint under WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # before WAL makes the file
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    if getattr(record.driver_connection, "checkpointer", None) is not None:
        # Its checkpointer copies the log (sqlite_driver); SQLite's own rule only past this.
        cursor.execute("PRAGMA page_size")
        page_size = cursor.fetchone()[0]
        pages = max(1, sqlite_driver.AUTOCHECKPOINT_BYTES // page_size)
        cursor.execute(f"PRAGMA wal_autocheckpoint={pages}")
        cursor.execute(f"PRAGMA journal_size_limit={sqlite_driver.JOURNAL_SIZE_LIMIT}")
    cursor.close()


def strict_json(value: Any) -> str:
    # NaN and Infinity are not JSON: a row holding them could not be read back.
    if value is None:
        return "null"  # what json.dumps gives, for the many rows without properties or traits
    if not value and type(value) is dict:
        return "{}"
    return json.dumps(value, allow_nan=False)


def sqlite_file(url: str) -> tuple[str, bool] | None:
    """A SQLite URL's file (its name, and whether it is a `file:` URI); None in memory."""
    args, options = _sqlite_connect_args(url)
    name = str(args[0]) if args else ":memory:"
    uri = bool(options.get("uri"))
    if name in ("", ":memory:") or (uri and "mode=memory" in name):
        return None
    return name, uri


def _sqlite_connect_args(url: str) -> tuple[Sequence[str], MutableMapping[str, Any]]:
    parsed = make_url(url)
    return parsed.get_dialect()().create_connect_args(parsed)


def vacuum_sqlite(url: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """`rapport-hub vacuum` on a SQLite store: rewritten with SQLITE_PAGE_SIZE pages (a store
    made before they were 8 KiB keeps 4 KiB pages until then), free pages given back.
    `sqlite_driver.StoreInUse` while a hub or command has it open, `NotEnoughDisk` without
    room; ValueError for an in-memory database. (page size, bytes) before and after."""
    args, options = _sqlite_connect_args(url)
    return sqlite_driver.rewrite(args[0], bool(options.get("uri")), SQLITE_PAGE_SIZE)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    kwargs.setdefault("json_serializer", strict_json)
    # JSON columns read by orjson where it reads what the stdlib reads (hub/jsontext.py)
    kwargs.setdefault("json_deserializer", jsontext.loads)
    if url.startswith("sqlite"):
        args, options = _sqlite_connect_args(url)
        options["timeout"] = 10
        checkpointer = sqlite_driver.checkpointer_for(args[0], bool(options.get("uri")))
        gate = sqlite_driver.gate_for(args[0], bool(options.get("uri")), options["timeout"])

        def connect() -> sqlite_driver.Connection:
            return sqlite_driver.connect(args[0], checkpointer=checkpointer, gate=gate, **options)

        engine = create_async_engine(url, async_creator=connect, **kwargs)
        engine.sync_engine.rapport_checkpointer = checkpointer  # type: ignore[attr-defined]
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("timeout", CONNECT_TIMEOUT_SECONDS)
    # Floats written as text (the profile read's JSON, `profile360.statements.bundle`) in their
    # shortest exact form, PostgreSQL's default, whatever a database or role was set to.
    connect_args.setdefault("server_settings", {}).setdefault("extra_float_digits", "1")
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.driver == "asyncpg" and not kwargs.get("pool_pre_ping"):
        # A pooled connection the server dropped (a restart, a failover) is found and replaced
        # before use; a request fails fast, never hangs, while no server answers (`unavailable`).
        event.listen(engine.sync_engine, "connect", _stamp)
        event.listen(engine.sync_engine, "checkin", _stamp)
        event.listen(engine.sync_engine, "checkout", _check_on_checkout)
    return engine


# A pooled PostgreSQL connection is checked as it is taken from the pool. One the server closed
# (a restart, a failover, a terminated backend) asyncpg already knows to be closed: it is
# replaced without a trip. One idle for longer than this is also asked (`SELECT 1`, one
# simple-query trip, a time limit on the answer), as a peer that vanished without closing (a
# lost machine, a dropped NAT entry) only shows when asked; one used a moment ago is not asked
# again (HikariCP's alive-bypass window, 500 ms). SQLAlchemy's pool_pre_ping asked on every
# checkout with BEGIN, `;` and ROLLBACK: three round trips, a third of a profile read's.
IDLE_PING_SECONDS = 0.5
_LAST_USED = "rapport_last_used"


def _stamp(_dbapi_connection: Any, record: Any) -> None:
    record.info[_LAST_USED] = time.monotonic()


def _check_on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    connection = record.driver_connection
    if connection.is_closed():
        raise exc.DisconnectionError("the server closed the connection")
    if time.monotonic() - record.info.get(_LAST_USED, 0.0) <= IDLE_PING_SECONDS:
        return
    try:
        await_only(connection.execute("SELECT 1", timeout=CONNECT_TIMEOUT_SECONDS))
    except Exception as error:
        # A connection that does not answer says the server may be gone: every pooled
        # connection opened before now is replaced (as SQLAlchemy's pre-ping does).
        raise exc.InvalidatePoolError(f"the connection did not answer: {error!r}") from error


# PostgreSQL: how long opening a connection may take (all the hosts of a multi-host URL,
# `?host=a:5432&host=b:5432&target_session_attrs=read-write`, tried in turn), and how long a
# request waits for a pooled one.
CONNECT_TIMEOUT_SECONDS = 5.0
POOL_TIMEOUT_SECONDS = 10.0
# Connection exceptions (class 08), the server shutting down, crashed or starting up, too many
# connections, and a read-only server (a standby, before a failover has finished).
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300", "25006"}
_UNAVAILABLE_TYPES = {
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "TargetServerAttributeNotMatched",
}


def unique_violation(error: exc.IntegrityError) -> bool:
    """A unique-key race (worth retrying), as opposed to any other broken constraint."""
    orig = error.orig
    if getattr(orig, "sqlstate", None) == "23505" or getattr(orig, "pgcode", None) == "23505":
        return True
    cause = getattr(orig, "__cause__", None)  # asyncpg's own error behind SQLAlchemy's adapter
    if type(cause).__name__ == "UniqueViolationError":
        return True
    return "UNIQUE constraint failed" in str(orig)


def worth_retrying(error: Exception) -> bool:
    """A write that failed for meeting another at once, and is worth running again from the
    start (`Context.write`, `rapport-hub import`'s chunks): a unique-key race, a SQLite file
    another process held locked past the busy timeout, a PostgreSQL deadlock or serialization
    failure (the transaction was rolled back)."""
    if isinstance(error, exc.IntegrityError):
        return unique_violation(error)
    # asyncpg's errors reach SQLAlchemy as a plain DBAPIError
    orig = getattr(error, "orig", None)
    cause = getattr(orig, "__cause__", None)
    if getattr(cause, "sqlstate", None) in ("40P01", "40001"):
        return True
    text = str(error).lower()
    return "locked" in text or "deadlock" in text or "could not serialize" in text


async def roll_back(session: AsyncSession) -> None:
    """Undo a failed write. A connection that broke in the middle of a statement (a primary
    restarting under load) can refuse even the ROLLBACK ("another operation is in
    progress"); it is then invalidated — the pool opens a new one — and the write's own error,
    which says what happened, is the one that propagates."""
    try:
        await session.rollback()
    except exc.DBAPIError as error:
        log.info("invalidating a connection that could not roll back: %s", type(error).__name__)
        try:
            await session.invalidate()
        except Exception:  # the write's own error still says what happened
            log.warning("could not invalidate a broken connection", exc_info=True)


async def write_retried(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    attempts: int,
    pause: Callable[[int], float],
    retrying: Callable[[BaseException], None] | None = None,
) -> T:
    """`work` (its commit included) in a session of its own, for `Context.write` and
    `rapport-hub import`'s chunks. Whatever it raises is rolled back (`roll_back`); a failure
    `worth_retrying` (it met another write at once) runs it again from the start, told to
    `retrying` and after `pause(attempt)` seconds, `attempts` times at most; anything else,
    or the last try's failure, propagates."""
    for attempt in range(1, attempts + 1):
        async with sessions() as session:
            try:
                return await work(session)
            except BaseException as error:
                await roll_back(session)
                if not isinstance(error, exc.DBAPIError):
                    raise
                if attempt == attempts or not worth_retrying(error):
                    raise
                if retrying is not None:
                    retrying(error)
                await asyncio.sleep(pause(attempt))
    raise AssertionError("unreachable")


def unavailable(error: BaseException | None) -> bool:
    """The database could not be reached or went away (a restart, a failover, a full pool):
    worth trying again shortly, unlike a bug. Looks through SQLAlchemy's and the driver's
    wrappers."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (exc.TimeoutError, OSError)):  # the pool; refused, timed out
            return True
        if isinstance(current, exc.DBAPIError) and current.connection_invalidated:
            return True
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and (state.startswith("08") or state in _UNAVAILABLE_STATES):
            return True
        name = type(current).__name__
        if name in _UNAVAILABLE_TYPES or (name == "InterfaceError" and "closed" in str(current)):
            return True
        if name == "InternalClientError" and "another operation" in str(current):
            # asyncpg's protocol stuck on a session the server ended (a restart): any
            # statement, not only a COPY (`copy_rows`), is refused before it starts.
            return True
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return False


def asyncpg_connect_args(url: str) -> dict[str, Any]:
    """asyncpg.connect() keywords for a `postgresql+asyncpg://` URL, multi-host ones too (a
    plain DSN would keep only the last `host=`)."""
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

    dialect: Any = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    _, options = dialect.create_connect_args(make_url(url))
    options.setdefault("timeout", CONNECT_TIMEOUT_SECONDS)
    return dict(options)


class Database:
    """The engine and a session factory; one per process."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        checkpointer = getattr(self.engine.sync_engine, "rapport_checkpointer", None)
        if checkpointer is not None:  # its thread stopped; the last connection's close
            # checkpointed what was left
            checkpointer.close()
