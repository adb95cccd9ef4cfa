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
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import asyncpg_connect_args

log = logging.getLogger(__name__)

CHANNEL = "rapport_changes"
_MAX_PAYLOAD = 7900  # NOTIFY payloads must stay under 8000 bytes
_QUEUE_SIZE = 1000
ERASED = "ERASED"  # a ProfileChange kind: the last one a profile has
RESYNC = "RESYNC"  # a ProfileChange kind: changes may have been missed; re-read the profile


@dataclass(frozen=True)
class ProfileChange:
    profile_id: str
    version: int
    touchpoint: str
    kind: str
    summary: str
    merged_into: str | None = None


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
                if queue.full():  # a stalled subscriber loses its oldest change, not the hub
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(change)

    async def subscribe(
        self, profile_id: str, tick: float | None = None
    ) -> AsyncIterator[ProfileChange | None]:
        """Changes to a profile, following it when it is merged into another; with `tick`,
        None after that many quiet seconds (so the subscriber can check its credential)."""
        queue: asyncio.Queue[ProfileChange] = asyncio.Queue(_QUEUE_SIZE)
        watched = {profile_id}
        self._queues[profile_id].add(queue)
        try:
            while True:
                try:
                    change = await asyncio.wait_for(queue.get(), tick)
                except TimeoutError:
                    yield None
                    continue
                yield change
                if change.merged_into and change.merged_into not in watched:
                    watched.add(change.merged_into)
                    self._queues[change.merged_into].add(queue)
        finally:
            for pid in watched:
                subscribers = self._queues.get(pid)
                if subscribers is not None:
                    subscribers.discard(queue)
                    if not subscribers:
                        del self._queues[pid]

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
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
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
            payload = json.dumps(asdict(change), separators=(",", ":"))
            if len(payload.encode()) > _MAX_PAYLOAD:
                payload = json.dumps(asdict(change) | {"summary": change.summary[:200]})
            payloads.append(payload)
        await session.execute(
            text("SELECT pg_notify(:c, p) FROM unnest(CAST(:ps AS text[])) AS p"),
            {"c": CHANNEL, "ps": payloads},
        )

    def committed(self, changes: list[ProfileChange]) -> None:
        return None  # delivered through LISTEN, to this replica as to every other

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            change = ProfileChange(**json.loads(payload))
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


def make_broker(database_url: str) -> LocalBroker:
    if database_url.startswith("postgresql"):
        return PostgresBroker(database_url)
    return LocalBroker()
