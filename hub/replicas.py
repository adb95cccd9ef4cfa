"""Reads on hot standbys (PostgreSQL streaming replication), writes on the primary.

A read-only request reads from a standby that is up and not far behind. A client that has
just written carries a consistency token (the primary's WAL position after its commit, see
`X-Rapport-Consistency` in docs/api.md); its read waits, briefly, for the standby to have
replayed that far, and reads from the primary instead when it has not. A standby that is down
or lagging past the bound never fails a read: reads go to the primary until it recovers.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hub.db import Database, create_engine
from hub.tasks import stop_tasks

log = logging.getLogger("hub.replicas")

HEADER = "X-Rapport-Consistency"
_POLL_SECONDS = 0.005
_POSITION = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")
_PROBE_SECONDS = 2.0


def parse_position(token: str | None) -> int | None:
    """A token (a WAL position as PostgreSQL writes it, `16/B374D848`) as a number; None for
    anything else."""
    if not token:
        return None
    # Hex digits only: int(…, 16) would also take a sign, `0x` or `_` (`-1/-1`), which no
    # server writes and which would read from a standby as if it were a token.
    match = _POSITION.fullmatch(token.strip())
    if match is None:
        return None
    return (int(match[1], 16) << 32) | int(match[2], 16)


def format_position(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def _safe_name(url: str) -> str:
    """host:port/database, never a password, for the log."""
    parsed = make_url(url)
    hosts = parsed.query.get("host") or f"{parsed.host}:{parsed.port}"
    return f"{hosts if isinstance(hosts, str) else ','.join(hosts)}/{parsed.database}"


@dataclass(eq=False)
class Standby:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    name: str
    up: bool = True  # until the first check says otherwise
    replayed: int = 0  # the highest replay position seen
    lag_seconds: float = 0.0
    reads: int = 0  # sessions handed out (for /metrics)


@dataclass
class _Samples:
    """The primary's WAL position over the last minutes, to tell how far behind (in time) a
    standby's replay position is."""

    keep_seconds: float
    points: deque[tuple[float, int]] = field(default_factory=deque)

    def add(self, at: float, position: int) -> None:
        self.points.append((at, position))
        while self.points and at - self.points[0][0] > self.keep_seconds:
            self.points.popleft()

    def lag(self, replayed: int, now: float) -> float:
        """Seconds since the primary first stood past `replayed` (0: it has replayed every
        position sampled)."""
        for at, position in self.points:
            if position > replayed:
                return now - at
        return 0.0


class ReadReplicas:
    """The standbys of one primary: health, lag, and a read session honouring a token."""

    def __init__(
        self,
        primary: Database,
        urls: list[str],
        *,
        max_lag_seconds: float = 5.0,
        wait_seconds: float = 0.2,
        check_seconds: float = 1.0,
    ) -> None:
        self.primary = primary
        self.max_lag_seconds = max_lag_seconds
        self.wait_seconds = wait_seconds
        self.check_seconds = check_seconds
        self.standbys = []
        for url in urls:
            # A standby that does not answer is given up on quickly: the primary is right there.
            engine = create_engine(
                url, pool_size=10, max_overflow=10, connect_args={"timeout": _PROBE_SECONDS}
            )
            self.standbys.append(
                Standby(
                    url, engine, async_sessionmaker(engine, expire_on_commit=False), _safe_name(url)
                )
            )
        self._turn = itertools.count()
        self._samples = _Samples(keep_seconds=max(60.0, 4 * max_lag_seconds))
        self._task: asyncio.Task[None] | None = None
        self.fallbacks = 0  # token reads the standby could not serve in time (for /metrics)
        self._primary_seen = 0  # the furthest the primary was seen to have written

    @classmethod
    def from_settings(
        cls, primary: Database, urls: str, max_lag_seconds: float, wait_seconds: float
    ) -> ReadReplicas | None:
        """None when there is nothing to route: SQLite, or no standby configured."""
        wanted = [url.strip() for url in urls.split(",") if url.strip()]
        if primary.dialect != "postgresql" or not wanted:
            return None
        return cls(primary, wanted, max_lag_seconds=max_lag_seconds, wait_seconds=wait_seconds)

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        await stop_tasks(self._task)
        for standby in self.standbys:
            await standby.engine.dispose()

    def metrics(self) -> list[str]:
        """Prometheus lines: each standby up, its lag, reads it served; token fallbacks."""
        lines = []
        for metric, kind, values in (
            ("rapport_standby_up", "gauge", [str(int(s.up)) for s in self.standbys]),
            (
                "rapport_standby_lag_seconds",
                "gauge",
                [f"{s.lag_seconds:.1f}" for s in self.standbys],
            ),
            ("rapport_standby_reads_total", "counter", [str(s.reads) for s in self.standbys]),
        ):
            lines.append(f"# TYPE {metric} {kind}")
            lines += [
                f'{metric}{{standby="{s.name}"}} {v}'
                for s, v in zip(self.standbys, values, strict=True)
            ]
        lines.append("# TYPE rapport_standby_fallbacks_total counter")
        lines.append(f"rapport_standby_fallbacks_total {self.fallbacks}")
        return lines

    async def primary_position(self) -> int:
        """The primary's WAL position now: past every transaction committed before the call."""
        async with self.primary.sessions() as session:
            value = await session.scalar(text("SELECT pg_current_wal_lsn()::text"))
        position = parse_position(value)
        assert position is not None, value
        self._primary_seen = max(self._primary_seen, position)
        return position

    async def genuine(self, position: int) -> int:
        """`position` when the primary has written that far; else (a token from elsewhere:
        another cluster, a restored database, a made-up value, which no standby will ever
        replay) the primary's position now, to hand back in its place. Asks the primary only
        when the position is past what this hub last saw of it."""
        if position <= self._primary_seen:
            return position
        return min(position, await self.primary_position())

    async def session(self, wanted: int | None) -> AsyncSession | None:
        """A session on a standby that is up, not lagging past the bound and (given a token)
        has replayed `wanted`; None: read from the primary."""
        live = [s for s in self.standbys if s.up]
        if not live:
            return None
        standby = live[next(self._turn) % len(live)]
        session = standby.sessions()
        try:
            if wanted is None or standby.replayed >= wanted:
                await session.connection()  # a dead standby is found here, not mid-request
                standby.reads += 1
                return session
            deadline = time.monotonic() + self.wait_seconds
            while True:
                await self._replay_position(standby, session)
                if standby.replayed >= wanted:
                    standby.reads += 1
                    return session
                if time.monotonic() >= deadline:
                    self.fallbacks += 1
                    await session.close()
                    return None
                await asyncio.sleep(_POLL_SECONDS)
        except Exception as error:  # down, restarting, unreachable: the primary serves
            await session.close()
            self._mark_down(standby, error)
            return None

    async def _replay_position(self, standby: Standby, session: AsyncSession) -> int:
        row = (
            await session.execute(
                text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
            )
        ).one()
        # Commit, not close: the session stays usable for the reads that follow.
        await session.commit()
        position = parse_position(row[1])
        if not row[0] or position is None:
            # Promoted (a failover: the hubs now write there through their multi-host URL),
            # or pointed at a primary by mistake: its replay position says nothing any more.
            raise RuntimeError("not a standby (not in recovery)")
        standby.replayed = max(standby.replayed, position)
        return position

    def _mark_down(self, standby: Standby, error: BaseException) -> None:
        if standby.up:
            log.warning(
                "standby %s is unavailable (%s); reading from the primary until it is back",
                standby.name,
                type(error).__name__,
            )
        standby.up = False

    async def check(self) -> None:
        """Sample the primary's position, then each standby's: up and within the lag bound?"""
        try:
            primary = await self.primary_position()
        except Exception:  # the primary's trouble is the writes' to report, not this loop's
            return
        now = time.monotonic()
        self._samples.add(now, primary)
        for standby in self.standbys:
            try:
                async with standby.sessions() as session:
                    await asyncio.wait_for(self._replay_position(standby, session), _PROBE_SECONDS)
            except Exception as error:
                self._mark_down(standby, error)
                continue
            standby.lag_seconds = self._samples.lag(standby.replayed, now)
            behind = standby.lag_seconds > self.max_lag_seconds
            if behind and standby.up:
                log.warning(
                    "standby %s is %.1f s behind the primary (bound %.1f s); reading from the "
                    "primary until it catches up",
                    standby.name,
                    standby.lag_seconds,
                    self.max_lag_seconds,
                )
            elif not behind and not standby.up:
                log.warning("standby %s is back; reading from it again", standby.name)
            standby.up = not behind

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.check()
            except Exception:  # never let the watch die: a dead watch would freeze health
                log.exception("standby check failed")
