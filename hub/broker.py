"""The change broker: every committed change to a profile reaches its subscribers.

In one process, subscribers hang off in-memory queues. With PostgreSQL, a change is also sent
with NOTIFY inside the writing transaction (so it exists only if the commit does) and every
replica, this one included, fans it out from its LISTEN connection.

A LISTEN connection that is lost (a PostgreSQL restart, a failover) is opened again, with
backoff, through the same (possibly multi-host) URL; changes committed meanwhile were not
heard, so every subscriber is then sent a RESYNC marker (`resync`): the subscription answers
it with the profile's current version, and a client that saw an older one knows which
versions it missed and reads the profile again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sqlite3
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hub import jsontext
from hub.db import asyncpg_connect_args, sqlite_file
from hub.tasks import stop_tasks

log = logging.getLogger(__name__)

CHANNEL = "rapport_changes"
# SQLite's change journal (migration d9c1e5a7b3f2): tables of raw statements, outside the
# ORM models (so `alembic check` leaves them be).
JOURNAL_TABLES = frozenset({"change_journal", "change_listeners"})
_MAX_PAYLOAD = 7900  # NOTIFY payloads must stay under 8000 bytes
_QUEUE_SIZE = 1000
ERASED = "ERASED"  # a ProfileChange kind: the last one a profile has
SPLIT = "SPLIT"  # a ProfileChange kind: a merge undone (the restored profile's and its survivor's)
RESYNC = "RESYNC"  # a ProfileChange kind: changes may have been missed; re-read the profile


@dataclass(frozen=True)
class ProfileChange:
    profile_id: str
    version: int
    touchpoint: str
    kind: str
    summary: str
    merged_into: str | None = None

    def fields(self) -> dict[str, Any]:
        """Its fields as a plain dict, to send as JSON. `dataclasses.asdict` deep-copies every
        value on the way, which for an import chunk's thousands of changes cost more than the
        JSON itself."""
        return {name: getattr(self, name) for name in _CHANGE_FIELDS}


_CHANGE_FIELDS = tuple(field.name for field in dataclass_fields(ProfileChange))


def record_change(session: AsyncSession, change: ProfileChange) -> None:
    """Queue a change to be published when (and only if) the session commits."""
    session.info.setdefault("changes", []).append(change)


def take_changes(session: AsyncSession) -> list[ProfileChange]:
    changes: list[ProfileChange] = session.info.pop("changes", [])
    return changes


class LocalBroker:
    """Fan-out to subscribers in this process."""

    # One commit at a time in this process, its changes handed out before the next: the store
    # numbers a profile's versions in commit order, and a writer resumes after its commit only
    # when its connection is back in the pool, so two could otherwise overtake each other.
    _in_order: asyncio.Lock | None = None

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[ProfileChange]]] = defaultdict(set)
        self._feeds: dict[asyncio.Queue[ProfileChange], Feed] = {}
        self._in_order = asyncio.Lock()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def commit(self, session: AsyncSession) -> list[ProfileChange]:
        """Commit the session with the changes it queued (sent inside the transaction where the
        store carries them), then hands them to this process's subscribers (`committed`)."""
        changes = take_changes(session)
        await self.before_commit(session, changes)
        if self._in_order is None:
            await session.commit()
        else:
            # Flushed first, outside the lock: a flush waits for SQLite's one write lock, which
            # a writer already holding it keeps until its commit, and that commit waits for
            # this lock — a flush inside it stalled both for the whole busy timeout.
            await session.flush()
            async with self._in_order:
                await session.commit()
                self.committed(changes)
            return changes
        self.committed(changes)
        return changes

    async def before_commit(self, session: AsyncSession, changes: list[ProfileChange]) -> None:
        return None

    def committed(self, changes: list[ProfileChange]) -> None:
        """To this process's subscribers, as the commit returns (see `_in_order`)."""
        self.dispatch(changes)

    def dispatch(self, changes: Iterable[ProfileChange]) -> None:
        for change in changes:
            for queue in list(self._queues.get(change.profile_id, ())):
                feed = self._feeds.get(queue)
                if queue.full():
                    # A stalled subscriber: what it has not read is summed up as one RESYNC
                    # (re-read the profile), not lost without a word; the hub keeps no more.
                    while not queue.empty():
                        queue.get_nowait()
                    watched = feed.profile_id if feed is not None else change.profile_id
                    queue.put_nowait(ProfileChange(watched, 0, "", RESYNC, ""))
                queue.put_nowait(change)
                # Followed as the change is handed out, not when it is read: the survivor's
                # changes of the same commit come next. A split ends the following.
                if feed is not None:
                    if change.merged_into:
                        feed.follow(change.merged_into)
                    elif change.kind == SPLIT:
                        feed.split(change.profile_id)

    def subscribe(self, profile_id: str, tick: float | None = None) -> Feed:
        """Changes to a profile, following it when it is merged into another; with `tick`,
        None after that many quiet seconds (so the subscriber can check its credential).
        Subscribed when this returns, not when the feed is first read: a change committed in
        between is heard. Close the feed (`aclose`) when done, read or not."""
        return Feed(self, profile_id, tick)

    def first_subscriber(self) -> None:
        """A subscriber arrives while this process has none (before it is added)."""
        return None

    def resync(self) -> None:
        """Tell every subscriber that changes may have gone unheard."""
        for profile_id, queues in list(self._queues.items()):
            marker = ProfileChange(profile_id, 0, "", RESYNC, "")
            for queue in list(queues):
                if queue.full():
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(marker)

    @property
    def subscriber_count(self) -> int:
        return sum(len(q) for q in self._queues.values())


class Feed:
    """One subscriber's changes (`LocalBroker.subscribe`)."""

    def __init__(self, broker: LocalBroker, profile_id: str, tick: float | None) -> None:
        self._queues = broker._queues
        self._feeds = broker._feeds
        self._queue: asyncio.Queue[ProfileChange] = asyncio.Queue(_QUEUE_SIZE)
        self._tick = tick
        # The profile and those it was merged into since, in merge order.
        self._watched = [profile_id]
        self._closed = False
        if not self._queues:
            broker.first_subscriber()
        self._queues[profile_id].add(self._queue)
        self._feeds[self._queue] = self

    @property
    def profile_id(self) -> str:
        """The profile subscribed to (those followed since come after it)."""
        return self._watched[0]

    def follow(self, profile_id: str) -> None:
        """Hear `profile_id`'s changes as well: the watched profile now lives on in it."""
        if self._closed or profile_id in self._watched:
            return
        self._watched.append(profile_id)
        self._queues[profile_id].add(self._queue)

    def split(self, profile_id: str) -> None:
        """`profile_id` was split back out of the profile it had been merged into: the feed
        stops hearing the profiles it followed beyond it (another customer's, again)."""
        if self._closed or profile_id not in self._watched:
            return
        at = self._watched.index(profile_id) + 1
        for pid in self._watched[at:]:
            self._leave(pid)
        del self._watched[at:]

    def _leave(self, pid: str) -> None:
        subscribers = self._queues.get(pid)
        if subscribers is not None:
            subscribers.discard(self._queue)
            if not subscribers:
                del self._queues[pid]

    def __aiter__(self) -> Feed:
        return self

    async def __anext__(self) -> ProfileChange | None:
        if self._closed:
            raise StopAsyncIteration
        try:
            change = await asyncio.wait_for(self._queue.get(), self._tick)
        except TimeoutError:
            return None
        return change

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._feeds.pop(self._queue, None)
        for pid in self._watched:
            self._leave(pid)


class PostgresBroker(LocalBroker):
    """LISTEN/NOTIFY across replicas that share one PostgreSQL database."""

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self._in_order = None  # PostgreSQL delivers NOTIFY in commit order, to every hub
        self._connect_args = asyncpg_connect_args(database_url)
        self._connection: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever())
        # Serve only once changes can be heard; a slow database still lets the hub start.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        self._stopping = True
        await stop_tasks(self._task)
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()

    async def before_commit(self, session: AsyncSession, changes: list[ProfileChange]) -> None:
        """All of a transaction's changes in one statement (an import chunk touches
        thousands of profiles)."""
        if not changes:
            return
        payloads = []
        for change in changes:
            payload = jsontext.dumps(change.fields())
            if len(payload.encode()) > _MAX_PAYLOAD:
                payload = jsontext.dumps(change.fields() | {"summary": change.summary[:200]})
            payloads.append(payload)
        await session.execute(
            text("SELECT pg_notify(:c, p) FROM unnest(CAST(:ps AS text[])) AS p"),
            {"c": CHANNEL, "ps": payloads},
        )

    def committed(self, changes: list[ProfileChange]) -> None:
        return None  # delivered through LISTEN, to this replica as to every other

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            change = ProfileChange(**jsontext.loads(payload))
        except (ValueError, TypeError):
            log.warning("ignoring malformed change notification")
            return
        self.dispatch([change])

    async def _listen_forever(self) -> None:
        import asyncpg

        delay = 0.2
        while not self._stopping:
            try:
                self._connection = await asyncpg.connect(**self._connect_args)
                lost = asyncio.Event()
                self._connection.add_termination_listener(lambda _conn, ev=lost: ev.set())
                await self._connection.add_listener(CHANNEL, self._on_notify)
                if self._ready.is_set():  # heard nothing while away: subscribers re-read
                    log.warning("change listener is back; subscribers are told to re-read")
                    self.resync()
                self._ready.set()
                delay = 0.2
                while not self._connection.is_closed():
                    # A server that vanishes without closing is noticed within seconds.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), timeout=5)
                    if not lost.is_set():
                        await self._connection.execute("SELECT 1", timeout=5)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning(
                    "change listener has no connection (%s); reconnecting", type(error).__name__
                )
            if self._connection is not None:
                with contextlib.suppress(Exception):
                    self._connection.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


class SqliteBroker(LocalBroker):
    """Changes between the processes that share one SQLite file (`serve --workers N`, an
    import beside a hub; the migration d9c1e5a7b3f2 says why).

    A serving process (`start`) is a listener: it keeps a heartbeat in `change_listeners`,
    writes every transaction's changes to `change_journal` inside that transaction, and hands
    its subscribers what the journal holds, in its order — which is commit order, SQLite
    having one writer at a time — its own changes included, read back as its commit returns.
    So a subscriber hears every change in version order whichever process made it. A process
    that only writes (`import`) adds its changes to the journal while a listener exists.
    A listener notices other processes' commits by `PRAGMA data_version`, which moves when
    another connection commits. Without `start` (a command, a test's app) it is LocalBroker."""

    POLL_SECONDS = 0.005  # while subscribers wait; the end-to-end wait a change adds
    IDLE_SECONDS = 0.05  # with no subscriber in this process
    HEARTBEAT_SECONDS = 1.0
    LISTENER_TIMEOUT = 30.0  # a listener silent this long is gone (killed, not stopped)
    KEEP_SECONDS = 60.0  # journal rows older than this are taken away
    RECHECK_SECONDS = 0.5  # how long a writer trusts what it found about other listeners

    def __init__(self, path: str, uri: bool) -> None:
        super().__init__()
        self._path, self._uri = path, uri
        self._origin = uuid.uuid4().hex
        self._others: tuple[float, bool] = (-math.inf, False)  # (checked at, anyone there)
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._writing = threading.Lock()  # the writer is used on worker threads, one at a time
        self._last = 0
        self._version = -1
        self._task: asyncio.Task[None] | None = None

    def _connect(self, busy_ms: int) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path, uri=self._uri, isolation_level=None, check_same_thread=False
        )
        connection.execute(f"PRAGMA busy_timeout={busy_ms}")
        return connection

    async def start(self) -> None:
        # The reader runs on the event loop, so it never waits for a lock: a busy moment is
        # retried on the next turn. The writer waits, on a thread of its own.
        self._reader, self._writer = self._connect(0), self._connect(2000)
        try:
            await asyncio.to_thread(self._beat)
            self._last = self._newest()
        except sqlite3.Error as error:  # a store not migrated: this process alone, as before
            log.warning("no change journal (%s): changes stay in this process", error)
            await self.stop()
            self._others = (math.inf, False)  # and it writes none
            return
        self._task = asyncio.create_task(self._listen_forever())

    async def stop(self) -> None:
        await stop_tasks(self._task)
        if self._writer is not None:
            await asyncio.to_thread(self._leave)
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _leave(self) -> None:
        """No longer a listener (after a heartbeat still running on its thread, if any)."""
        with self._writing:
            assert self._writer is not None
            with contextlib.suppress(sqlite3.Error):
                self._writer.execute(
                    "DELETE FROM change_listeners WHERE origin = ?", (self._origin,)
                )
            self._writer.close()
            self._writer = None

    async def before_commit(self, session: AsyncSession, changes: list[ProfileChange]) -> None:
        if not changes or (self._task is None and not await self._anyone_else(session)):
            return
        await session.execute(
            text("INSERT INTO change_journal (at, changes) VALUES (:at, :c)"),
            {
                "at": time.time(),
                "c": jsontext.dumps([c.fields() for c in changes]),
            },
        )

    async def _anyone_else(self, session: AsyncSession) -> bool:
        """Whether a process other than this one listens (looked up at most every
        RECHECK_SECONDS, so most writes add no statement)."""
        checked, anyone = self._others
        now = time.monotonic()
        if now - checked < self.RECHECK_SECONDS:
            return anyone
        found = await session.execute(
            text("SELECT 1 FROM change_listeners WHERE origin != :o AND seen > :alive LIMIT 1"),
            {"o": self._origin, "alive": time.time() - self.LISTENER_TIMEOUT},
        )
        anyone = found.first() is not None
        self._others = (now, anyone)
        return anyone

    def committed(self, changes: list[ProfileChange]) -> None:
        """Handed out through the journal, in its order (inside `_in_order`): what others
        committed before this commit first. A busy moment leaves it to the next poll."""
        if self._task is None:
            self.dispatch(changes)
        elif changes:
            try:
                self._read_new()
            except sqlite3.Error as error:  # committed all the same: the next poll reads it
                log.warning("change journal not read after a commit (%s)", error)

    def first_subscriber(self) -> None:
        """Skip what the journal took while this process had no subscriber: an idle listener
        reads it only every IDLE_SECONDS, and a subscriber arriving meanwhile would otherwise
        be handed changes committed before it subscribed. A busy moment leaves it to the
        next poll, as before."""
        if self._task is None or self._reader is None:
            return
        try:
            self._last = max(self._last, self._newest())
        except sqlite3.Error as error:
            log.debug("change journal not skipped to its end (%s)", error)

    def _newest(self) -> int:
        """The last number the journal gave out, whether or not its row is still there
        (AUTOINCREMENT never gives one out twice, nor skips one)."""
        assert self._reader is not None
        (newest,) = self._reader.execute(
            "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'change_journal'"
        ).fetchone()
        return int(newest)

    def _beat(self) -> None:
        """The heartbeat, and rows past their time taken away (on a worker thread)."""
        with self._writing:
            if self._writer is None:
                return  # stopped meanwhile
            now = time.time()
            self._writer.execute(
                "INSERT INTO change_listeners (origin, seen) VALUES (?, ?)"
                " ON CONFLICT (origin) DO UPDATE SET seen = excluded.seen",
                (self._origin, now),
            )
            self._writer.execute(
                "DELETE FROM change_journal WHERE at < ?", (now - self.KEEP_SECONDS,)
            )
            self._writer.execute(
                "DELETE FROM change_listeners WHERE seen < ?", (now - self.LISTENER_TIMEOUT,)
            )

    async def _listen_forever(self) -> None:
        beat = time.monotonic()
        while True:
            await asyncio.sleep(self.POLL_SECONDS if self._queues else self.IDLE_SECONDS)
            try:
                if time.monotonic() - beat >= self.HEARTBEAT_SECONDS:
                    beat = time.monotonic()
                    await asyncio.to_thread(self._beat)
                assert self._reader is not None and self._in_order is not None
                (version,) = self._reader.execute("PRAGMA data_version").fetchone()
                # Nothing committed elsewhere; or a commit of ours is between its commit and
                # its hand-out, which reads the journal itself.
                if version != self._version and not self._in_order.locked():
                    self._read_new()
                    self._version = version  # only once read: a busy read is tried again
            except sqlite3.OperationalError as error:  # busy: the next turn retries
                log.debug("change journal not read (%s); trying again", error)
            except sqlite3.Error:
                log.exception("change journal not read; trying again")

    def _read_new(self) -> None:
        assert self._reader is not None
        rows = self._reader.execute(
            "SELECT id, changes FROM change_journal WHERE id > ? ORDER BY id", (self._last,)
        ).fetchall()
        if rows and rows[0][0] > self._last + 1:  # rows taken away before this process read them
            log.warning("change journal moved on past this process; subscribers re-read")
            self.resync()
        queues = self._queues
        for id_, payload in rows:
            self._last = id_
            try:
                # Only those this process's subscribers wait for (all `dispatch` hands out):
                # an import chunk's thousands of changes mostly concern nobody here.
                raw = jsontext.loads(payload)
                # A merge's survivor is heard from the change that merged a watched profile
                # into it (`dispatch` follows it), with the rest of the same transaction.
                wanted = set(queues)
                for c in raw:
                    if c.get("merged_into") and c["profile_id"] in wanted:
                        wanted.add(c["merged_into"])
                changes = [ProfileChange(**c) for c in raw if c["profile_id"] in wanted]
            except (ValueError, TypeError, KeyError):
                log.warning("ignoring a malformed change journal row")
                continue
            self.dispatch(changes)


def make_broker(database_url: str) -> LocalBroker:
    if database_url.startswith("postgresql"):
        return PostgresBroker(database_url)
    found = sqlite_file(database_url)
    if found is None:  # in memory: one process is the whole store
        return LocalBroker()
    return SqliteBroker(*found)
