"""aiosqlite, one trip to the database thread per statement.

aiosqlite runs every sqlite3 call on the connection's own thread, and SQLAlchemy's adapter
makes four such trips for one SELECT (open a cursor, execute, fetch all, close). Handing work to
a thread and waking the event loop again costs far more than SQLite's own work on a small
query (about 0.4 ms a trip on a 2-core machine, against 0.05 ms for the query), so a profile
read that runs ten statements spent most of its time waiting for trips.

The connection here gives SQLAlchemy cursors that run the statement and fetch its first rows in
one trip and close the sqlite3 cursor in that same trip when nothing is left; a result bigger
than one chunk (a streamed training read) keeps its cursor open on the thread and is fetched a
chunk per trip, as before. Everything else (transactions, isolation level, closing) is
aiosqlite's own.

Checkpoints run on a thread of their own (`Checkpointer`). SQLite's own rule copies the
write-ahead log into the database file inside the commit that takes the log past 1,000 pages,
so that one commit (a `track` batch, an import chunk, or a kiosk's single write that happens to
cross the line) also pays for copying everyone's pages and syncing the file: ~0.2 s after a
chunk of 10,000 imported events on a big store. Here a commit only appends to the log, and the
checkpointer copies it meanwhile on its own connection: a PASSIVE checkpoint blocks no reader
or writer. SQLite's own rule stays as a safety net at a higher mark, for a checkpointer that
cannot keep up (readers holding old snapshots) or a process that wrote without one.

Writers of one process take turns at a gate (`WriterGate`) before SQLite's own lock. SQLite
lets one connection write at a time, and one that finds the file locked sleeps in its busy
handler for 1, 2, 5, … 50, 100 ms between tries: it started ~50 ms after the commit it waited
for (a 0.3 s transaction), and four kiosks writing at once waited up to 0.6 s at the 99th
percentile, the unlucky one sleeping while the others went first. At the gate the next writer
of the process starts the moment the one before commits or rolls back, in turn. Statements
through this driver's cursors (SQLAlchemy's path) go through the gate; writers in other
processes (a second hub, `rapport-hub import`) still meet at SQLite's lock and its busy
handler, as before.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import quote, unquote

import aiosqlite

# Rows fetched in the statement's own trip; more come a chunk per trip.
CHUNK = 4096
# The checkpointer copies the log at most this often while commits come in, and SQLite's own
# rule (`PRAGMA wal_autocheckpoint`, set in pages from this size in bytes) takes over past this
# mark. A chunk of 10,000 imported events on a store of a million writes ~70 MB of log (~17,000
# pages of 4 KiB); while one chunk commits the next is already writing, so the log holds a few
# chunks before it restarts.
CHECKPOINT_EVERY_SECONDS = 0.5
AUTOCHECKPOINT_BYTES = 200 * 1024 * 1024
# Once copied, the log starts again from its beginning and its file is cut back to this size
# (bytes): a burst (an import) does not leave hundreds of megabytes of log file behind.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
# An idle checkpointer closes its connection and ends its thread; the next commit starts one.
CHECKPOINTER_IDLE_SECONDS = 30.0

log = logging.getLogger(__name__)

T = TypeVar("T")
_Outcome = tuple[Any, int, int | None, list[Any], sqlite3.Cursor | None]


class Cursor:
    """The subset of aiosqlite's cursor that SQLAlchemy's adapter uses."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor: sqlite3.Cursor | None = None  # only while rows are left to fetch
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> Cursor:
        await self._run(False, sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Any) -> Cursor:
        await self._run(True, sql, parameters)
        return self

    async def _run(self, many: bool, sql: str, parameters: Any) -> None:
        await self.close()
        outcome: _Outcome = await self._connection.run(
            _execute, self._connection, many, sql, parameters
        )
        self.description, self.rowcount, self.lastrowid, self._rows, self._cursor = outcome

    async def _more(self, size: int | None) -> None:
        if self._cursor is not None:
            rows, self._cursor = await self._connection.run(_fetch, self._cursor, size)
            self._rows.extend(rows)

    async def fetchall(self) -> list[Any]:
        await self._more(None)
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or self.arraysize
        if len(self._rows) < size:
            await self._more(max(size, CHUNK))
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def close(self) -> None:
        self._rows = []
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            await self._connection.run(cursor.close)


def _execute(connection: Connection, many: bool, sql: str, parameters: Any) -> _Outcome:
    """On the connection's thread: run the statement and fetch its first chunk; the sqlite3
    cursor stays open only while rows are left. A statement that writes outside a
    transaction waits at the process's gate first (`WriterGate`)."""
    gate = connection.gate
    if gate is not None and not connection.holds_gate and _writes(sql):
        gate.enter()
        connection.holds_gate = True
    try:
        if connection.holds_gate and not connection._conn.in_transaction and _implicit(sql):
            begin_immediate(connection._conn)  # the sqlite3 module would BEGIN (deferred) here
        return _execute_statement(connection._conn, many, sql, parameters)
    finally:
        if connection.holds_gate and not connection._conn.in_transaction:
            connection.leave_gate()  # autocommit, or the statement failed before beginning


# Statements after which SQLite holds its write lock: the sqlite3 module begins a transaction
# before the first four, and a BEGIN of the caller's own takes it when IMMEDIATE or EXCLUSIVE (a
# plain or DEFERRED one begins a read: `db.snapshot_reads`).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")


def _writes(sql: str) -> bool:
    return sql.lstrip()[:15].upper().startswith(_WRITES)


def _implicit(sql: str) -> bool:
    """A write before which the sqlite3 module begins a transaction itself (not a BEGIN)."""
    return not sql.lstrip()[:5].upper().startswith("BEGIN")


# While another process writes, a writer here asks for SQLite's write lock this often.
POLL_SECONDS = 0.001


def begin_immediate(conn: sqlite3.Connection) -> None:
    """On the connection's thread: `BEGIN IMMEDIATE` (SQLite's write lock), asked for every
    POLL_SECONDS while another process holds it, for as long as the connection's busy timeout.

    SQLite's own busy handler sleeps 1, 2, 5, … 50, then 100 ms between tries; a writer in
    another process that writes transaction after transaction (`rapport-hub import`, another
    worker) leaves the lock free for a few milliseconds between them, which a sleeper mostly
    misses: a kiosk's one-event write waited out two to four of an import's transactions
    (p99 1.5–2.2 s at a million events; docs/performance.md). Asked for every millisecond,
    it goes in at the first gap, after one transaction at most."""
    patience = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    if patience <= 0:
        conn.execute("BEGIN IMMEDIATE")
        return
    deadline = time.monotonic() + patience / 1000
    conn.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() >= deadline:
                    raise
            time.sleep(POLL_SECONDS)
    finally:
        conn.execute(f"PRAGMA busy_timeout={patience}")


def _busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


def _execute_statement(conn: sqlite3.Connection, many: bool, sql: str, parameters: Any) -> _Outcome:
    cursor = conn.cursor()
    rows: list[Any] = []
    left: sqlite3.Cursor | None = None
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        if cursor.description is None:
            cursor.close()
        else:
            rows, left = _fetch(cursor, CHUNK)
    except BaseException:
        cursor.close()
        raise
    return cursor.description, cursor.rowcount, cursor.lastrowid, rows, left


def _fetch(cursor: sqlite3.Cursor, size: int | None) -> tuple[list[Any], sqlite3.Cursor | None]:
    """On the connection's thread: up to `size` rows (all when None), and the cursor if more
    may follow (closed otherwise)."""
    rows = cursor.fetchall() if size is None else cursor.fetchmany(size)
    if size is not None and len(rows) == size:
        return rows, cursor
    cursor.close()
    return rows, None


class WriterGate:
    """One writing transaction at a time among a process's connections to one database file
    (see the module's text): entered on the connection's thread before the statement that
    takes SQLite's write lock, left when that transaction commits or rolls back. A writer that
    waits longer than SQLite's own busy timeout gets SQLite's own error for a locked file,
    which `Context.write` retries as it retries a busy file."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()

    def enter(self) -> None:
        if not self._lock.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked")

    def leave(self) -> None:
        self._lock.release()

    @property
    def taken(self) -> bool:
        return self._lock.locked()


_GATES: dict[str, WriterGate] = {}
_GATES_LOCK = threading.Lock()


def gate_for(database: str, uri: bool = False, timeout: float = 5.0) -> WriterGate | None:
    """The process's gate for a database file (every engine of the process on that file
    shares it); None for an in-memory or read-only database, which has no writers to order."""
    if not _written(database, uri):
        return None
    path = unquote(database.removeprefix("file:").split("?")[0]) if uri else database
    key = os.path.realpath(path)
    with _GATES_LOCK:
        gate = _GATES.get(key)
        if gate is None:
            gate = _GATES[key] = WriterGate(timeout)
        return gate


class Checkpointer:
    """Copies a database's write-ahead log into its file on a thread of its own, a moment
    after commits, so that no commit pays for it (see the module's text). One per database
    file and engine; `poke` after each commit; the thread comes and goes with the writes."""

    def __init__(self, database: str, uri: bool = False) -> None:
        self.database = database
        self._uri = _existing_file(database, uri)
        self.checkpoints = 0  # done, for tests and benchmarks
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stopping = threading.Event()

    def poke(self) -> None:
        """A commit happened: a checkpoint is due."""
        self._wanted.set()
        with self._lock:  # an idle thread decides to end under this lock, seeing no poke
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._work, name="sqlite-checkpointer", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        """Stop the thread once its checkpoint in hand is done (the store's last connection
        to close checkpoints what is left, as SQLite always does)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._stopping.set()
        self._wanted.set()
        if thread is not None:
            thread.join()
        self._thread = None

    def _work(self) -> None:
        connection: sqlite3.Connection | None = None
        last = 0.0
        try:
            while True:
                if not self._wanted.wait(CHECKPOINTER_IDLE_SECONDS):
                    with self._lock:
                        if not self._wanted.is_set():
                            self._thread = None
                            return
                if self._closed:
                    return
                pause = last + CHECKPOINT_EVERY_SECONDS - time.monotonic()
                if pause > 0 and self._stopping.wait(pause):  # meanwhile commits gather
                    return
                self._wanted.clear()
                try:
                    if connection is None:
                        connection = sqlite3.connect(self._uri, timeout=0, uri=True)
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error as error:  # busy, or the file went away: SQLite's own rule
                    log.debug("checkpoint of %s not done: %s", self.database, error)
                last = time.monotonic()
        except Exception:  # never lose the thread silently: SQLite's own rule takes over
            log.exception("the checkpointer of %s stopped", self.database)
            with self._lock:
                self._thread = None
        finally:
            if connection is not None:
                connection.close()


class Connection(aiosqlite.Connection):
    checkpointer: Checkpointer | None = None
    gate: WriterGate | None = None
    holds_gate = False
    begin_pending = False  # `hold_writes`: BEGIN IMMEDIATE before the next statement

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    def hold_writes(self) -> None:
        """Begin a write transaction (`BEGIN IMMEDIATE`, after the gate) before the next
        statement, in that statement's own trip to the thread: from there on the reads see
        the store as it is, and no other writer commits until this transaction ends."""
        if not self._conn.in_transaction:
            self.begin_pending = True

    def _begin(self) -> None:
        """On the connection's thread: the write transaction `hold_writes` asked for."""
        self.begin_pending = False
        if self._conn.in_transaction:
            return
        if self.gate is not None and not self.holds_gate:
            self.gate.enter()
            self.holds_gate = True
        try:
            begin_immediate(self._conn)
        finally:
            if self.holds_gate and not self._conn.in_transaction:
                self.leave_gate()  # SQLite's lock not taken (busy): the gate is not held either

    def _begun(self, fn: Callable[..., T], *args: Any) -> T:
        self._begin()
        return fn(*args)

    async def rollback(self) -> None:
        # The pool rolls back every connection it takes back, and most only read: the sqlite3
        # module begins a transaction only before a write, so there is nothing to undo and no
        # reason for a trip to the thread (~0.2 ms of a profile read's 3).
        self.begin_pending = False
        if self._conn.in_transaction or self.holds_gate:
            await self.run(self._end, self._conn.rollback)

    async def commit(self) -> None:
        self.begin_pending = False
        if self._conn.in_transaction or self.holds_gate:  # as above: a read has nothing
            await self.run(self._end, self._conn.commit)
            if self.checkpointer is not None:
                self.checkpointer.poke()

    async def close(self) -> None:
        try:
            await super().close()  # an open transaction is rolled back
        finally:
            if self.holds_gate:
                self.leave_gate()

    def _end(self, how: Callable[[], None]) -> None:
        """On the connection's thread: commit or roll back, then let the next writer in."""
        try:
            how()
        finally:
            if self.holds_gate and not self._conn.in_transaction:
                self.leave_gate()

    def leave_gate(self) -> None:
        assert self.gate is not None
        self.holds_gate = False
        self.gate.leave()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the connection's thread (after the BEGIN `hold_writes` asked for)."""
        if self.begin_pending:
            return cast(T, await self._execute(self._begun, fn, *args))  # type: ignore[no-untyped-call]
        return cast(T, await self._execute(fn, *args))  # type: ignore[no-untyped-call]


def connect(
    database: str | Path,
    *,
    checkpointer: Checkpointer | None = None,
    gate: WriterGate | None = None,
    **kwargs: Any,
) -> Connection:
    """Like aiosqlite.connect, with one-trip cursors (for create_async_engine's
    async_creator); `kwargs` go to sqlite3.connect. With a `checkpointer`, commits leave the
    log's copying to it (hub.db's connect hook moves SQLite's own rule to the safety mark);
    with a `gate`, its writers take turns with the process's others (`WriterGate`)."""

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(str(database), **kwargs)
        return opened

    connection = Connection(connector, 64)
    connection._thread.daemon = True  # as SQLAlchemy's adapter does for aiosqlite's own
    connection.checkpointer = checkpointer
    connection.gate = gate
    return connection


class StoreInUse(Exception):
    """Another connection has the store open: it cannot be rewritten now."""


class NotEnoughDisk(Exception):
    """Too little free disk to rewrite the store: (bytes needed, bytes free, where)."""


def _existing_file(database: str, uri: bool) -> str:
    """The URI that opens `database` read-write and never creates it: a store removed
    meanwhile is not made again empty."""
    return database if uri else f"file:{quote(database)}?mode=rw"


def _in_memory(database: str, uri: bool) -> bool:
    return database in ("", ":memory:") or (uri and "mode=memory" in database)


def _written(database: str, uri: bool) -> bool:
    """A database file this process may write: not in memory, not opened read-only."""
    return not (_in_memory(database, uri) or (uri and "mode=ro" in database))


def _room_for_rewrite(database: str, size: int) -> None:
    """VACUUM builds the new file in SQLite's temporary directory, then writes it over the
    store with a rollback journal of the old pages beside it: room for the store twice where
    both are on one disk, once on each otherwise."""
    store_dir = os.path.dirname(os.path.abspath(database))
    temp_dir = tempfile.gettempdir()  # SQLite's choice too: SQLITE_TMPDIR, TMPDIR, /var/tmp, /tmp
    if os.stat(store_dir).st_dev == os.stat(temp_dir).st_dev:
        room = {store_dir: 2 * size}
    else:
        room = {store_dir: size, temp_dir: size}
    for where, needed in room.items():
        free = shutil.disk_usage(where).free
        if free < needed:
            raise NotEnoughDisk(needed, free, where)


def rewrite(database: str, uri: bool, page_size: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Rewrite a store file in one pass (`VACUUM`): free pages given back, every table and
    index in key order, pages of `page_size` bytes. SQLite changes a page size only outside
    WAL, so the file leaves WAL for the rewrite and returns to it after, which needs every
    other connection closed: `StoreInUse` (nothing changed) otherwise; `NotEnoughDisk`
    (nothing changed) without room for the store about twice over; ValueError for an
    in-memory database. Returns (page size, bytes) before and after."""
    if _in_memory(database, uri):
        raise ValueError("an in-memory database has no file to rewrite")
    connection = sqlite3.connect(
        _existing_file(database, uri), uri=True, timeout=5, isolation_level=None
    )
    try:

        def size() -> tuple[int, int]:
            page = connection.execute("PRAGMA page_size").fetchone()[0]
            return page, page * connection.execute("PRAGMA page_count").fetchone()[0]

        before = size()
        if not uri:
            _room_for_rewrite(database, before[1])
        try:
            mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as error:  # locked: another connection is writing
            raise StoreInUse(str(error)) from error
        if mode != "delete":  # SQLite keeps WAL while another connection has the file open
            raise StoreInUse("another connection has the store open")
        try:
            connection.execute(f"PRAGMA page_size={int(page_size)}")
            connection.execute("VACUUM")
        finally:
            connection.execute("PRAGMA journal_mode=WAL")
        return before, size()
    finally:
        connection.close()


def checkpointer_for(database: str, uri: bool = False) -> Checkpointer | None:
    """A checkpointer for a database file; None for an in-memory or read-only one."""
    if not _written(database, uri):
        return None
    return Checkpointer(database, uri)
