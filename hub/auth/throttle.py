"""Sign-in throttling: wrong passwords are counted per username and per client address, and
past a limit within a window further attempts are refused for a while without a password
being checked at all.

`LoginThrottle` is the arithmetic, over tallies in memory. A hub keeps the tallies in the store
(`SharedThrottle`, table `sign_in_tallies`), so that every process serving it — `serve
--workers N`, replicas — counts together: a guesser spread over N processes gets the limit
once, not N times, and a restart forgets nothing. Each hub checks only a few passwords a
second (hub/auth/passwords.py), which bounds both the guessing and the rows this takes."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from hub.db import Database
from hub.settings import Settings

_MAX_TALLIES = 50_000
# An attempt still "being checked" this long after it began belongs to a process that died
# mid-check: it stops counting.
_STALE_PENDING_SECONDS = 60.0
Key = tuple[str, str]  # (kind, value)
_MAKE = text(
    "INSERT INTO sign_in_tallies (kind, key, state, until) VALUES (:kind, :key, '', 0)"
    " ON CONFLICT (kind, key) DO NOTHING"
)
_SELECT = "SELECT state FROM sign_in_tallies WHERE kind = :kind AND key = :key"
_KEEP = text(
    "UPDATE sign_in_tallies SET state = :state, until = :until WHERE kind = :kind AND key = :key"
)
_FORGET = text("DELETE FROM sign_in_tallies WHERE until <= :now")


@dataclass
class _Tally:
    failures: deque[float] = field(default_factory=deque)
    pending: list[float] = field(default_factory=list)  # when each attempt being checked began
    locked_until: float = 0.0

    def forget_before(self, moment: float) -> None:
        while self.failures and self.failures[0] <= moment:
            self.failures.popleft()

    def idle(self, now: float) -> bool:
        return not self.failures and not self.pending and self.locked_until <= now

    def to_json(self) -> str:
        return json.dumps([list(self.failures), self.pending, self.locked_until])

    @classmethod
    def from_json(cls, stored: str) -> _Tally:
        failures, pending, locked_until = json.loads(stored)
        return cls(deque(failures), list(pending), float(locked_until))


@dataclass(frozen=True)
class Limit:
    kind: str  # "username" or "address"
    max_failures: int  # 0: not counted


class LoginThrottle:
    """`begin` before checking a password (None, or the seconds to wait), `end` after."""

    def __init__(
        self,
        max_per_username: int,
        max_per_address: int,
        window_seconds: float,
        lockout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = (Limit("username", max_per_username), Limit("address", max_per_address))
        self._window = window_seconds
        self._lockout = lockout_seconds
        self._clock = clock
        self._tallies: dict[tuple[str, str], _Tally] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> LoginThrottle:
        return cls(
            settings.login_max_failures,
            settings.login_max_failures_per_address,
            settings.login_failure_window_seconds,
            settings.login_lockout_seconds,
            clock=clock,
        )

    def keys(self, username: str, address: str | None) -> list[tuple[Limit, Key]]:
        # No username is longer than 100 characters: a longer guess needs no more memory.
        values = {"username": " ".join(username.split()).casefold()[:101], "address": address}
        return [
            (limit, (limit.kind, value))
            for limit in self._limits
            if limit.max_failures > 0 and (value := values[limit.kind])
        ]

    def begin(self, username: str, address: str | None) -> float | None:
        """None when this attempt may check a password (it is then pending until `end`);
        otherwise how many seconds until one may. Attempts in flight count as failures
        until they end, so a burst of concurrent guesses gets no more tries than a series."""
        return self.begin_on(self._tallies, self.keys(username, address))

    def begin_on(
        self, tallies: MutableMapping[Key, _Tally], keys: list[tuple[Limit, Key]]
    ) -> float | None:
        """`begin` over the given tallies (in memory, or loaded from the store)."""
        now = self._clock()
        wait = max((self._wait(limit, tallies.get(key), now) for limit, key in keys), default=0.0)
        if wait > 0:
            return wait
        for _, key in keys:
            tallies.setdefault(key, _Tally()).pending.append(now)
        return None

    def _wait(self, limit: Limit, tally: _Tally | None, now: float) -> float:
        if tally is None:
            return 0.0
        if tally.locked_until > now:
            return tally.locked_until - now
        tally.forget_before(now - self._window)
        tally.pending = [at for at in tally.pending if at > now - _STALE_PENDING_SECONDS]
        if len(tally.failures) + len(tally.pending) >= limit.max_failures:
            return 1.0  # the attempts still being checked decide; ask again in a moment
        return 0.0

    def end(self, username: str, address: str | None, verdict: bool | None) -> bool:
        """Close an attempt `begin` let through: True when the password was right, False
        when wrong, None when no verdict was reached. A right password clears the username's
        failures. Returns whether this failure started a lockout."""
        locked = self.end_on(self._tallies, self.keys(username, address), verdict)
        self._sweep(self._clock())
        return locked

    def end_on(
        self,
        tallies: MutableMapping[Key, _Tally],
        keys: list[tuple[Limit, Key]],
        verdict: bool | None,
    ) -> bool:
        """`end` over the given tallies."""
        now = self._clock()
        locked = False
        for limit, key in keys:
            tally = tallies.setdefault(key, _Tally())
            if tally.pending:
                tally.pending.pop(0)
            if verdict is True and limit.kind == "username":
                tally.failures.clear()
                tally.locked_until = 0.0
            elif verdict is False:
                locked = self._fail(limit, tally, now) or locked
        return locked

    def counts_until(self, tally: _Tally) -> float:
        """When nothing in `tally` counts any more: its last failure leaves the window, its
        lockout ends, its attempts in flight go stale."""
        return max(
            [tally.locked_until]
            + [at + self._window for at in tally.failures]
            + [at + _STALE_PENDING_SECONDS for at in tally.pending]
        )

    def _fail(self, limit: Limit, tally: _Tally, now: float) -> bool:
        tally.forget_before(now - self._window)
        tally.failures.append(now)
        if len(tally.failures) < limit.max_failures:
            return False
        # The lockout uses these failures up: once it ends, counting starts afresh.
        tally.failures.clear()
        tally.locked_until = now + self._lockout
        return True

    def _sweep(self, now: float) -> None:
        if len(self._tallies) <= _MAX_TALLIES:
            return
        for key, tally in list(self._tallies.items()):
            tally.forget_before(now - self._window)
            if tally.idle(now):
                del self._tallies[key]


class SharedThrottle:
    """The hub's throttle: `LoginThrottle`'s arithmetic over tallies kept in the store, one
    row per username or address (its HMAC under RAPPORT_SECRET_KEY, never the value), read
    and written back in one transaction that holds the rows, so that every process of the hub
    counts together. Rows with nothing left to count are deleted."""

    _PEPPER = b"rapport-sign-in-v1:"

    def __init__(self, throttle: LoginThrottle, db: Database, secret: str) -> None:
        self._throttle = throttle
        self._db = db
        self._key = self._PEPPER + secret.encode()

    @classmethod
    def of_process(cls, state: dict[str, Any], settings: Settings, db: Database) -> SharedThrottle:
        found = state.get("shared_login_throttle")
        if not isinstance(found, cls):
            arithmetic = LoginThrottle.from_settings(settings, clock=time.time)
            found = state["shared_login_throttle"] = cls(arithmetic, db, settings.secret_key)
        return found

    async def begin(self, username: str, address: str | None) -> float | None:
        keys = self._throttle.keys(username, address)
        async with self._held(keys) as tallies:
            return self._throttle.begin_on(tallies, keys)

    async def end(self, username: str, address: str | None, verdict: bool | None) -> bool:
        keys = self._throttle.keys(username, address)
        async with self._held(keys) as tallies:
            return self._throttle.end_on(tallies, keys, verdict)

    def _stored(self, key: Key) -> str:
        kind, value = key
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]

    @contextlib.asynccontextmanager
    async def _held(self, keys: list[tuple[Limit, Key]]) -> AsyncIterator[dict[Key, _Tally]]:
        """The keys' tallies, held for this transaction (rows made first, in key order: on
        SQLite that write takes the store's lock, on PostgreSQL `FOR UPDATE` the rows'), and
        written back when the block ends; rows nothing in counts any more go."""
        stored = {key: self._stored(key) for _, key in keys}
        tallies: dict[Key, _Tally] = {}
        lock = " FOR UPDATE" if self._db.dialect == "postgresql" else ""
        async with self._db.sessions() as session:
            for key in sorted(stored):
                await session.execute(_MAKE, {"kind": key[0], "key": stored[key]})
            for key in sorted(stored):
                state = await session.scalar(
                    text(_SELECT + lock), {"kind": key[0], "key": stored[key]}
                )
                if state:
                    tallies[key] = _Tally.from_json(state)
            yield tallies
            now = time.time()
            for key in sorted(stored):
                tally = tallies.get(key) or _Tally()
                await session.execute(
                    _KEEP,
                    {
                        "kind": key[0],
                        "key": stored[key],
                        "state": tally.to_json(),
                        "until": self._throttle.counts_until(tally),
                    },
                )
            await session.commit()
            # Apart, holding no row: on PostgreSQL two sign-ins each deleting a row the other
            # holds would otherwise deadlock.
            await session.execute(_FORGET, {"now": now})
            await session.commit()
