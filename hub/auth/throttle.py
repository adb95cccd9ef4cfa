"""Sign-in throttling: wrong passwords are counted per username and per client address, and
past a limit within a window further attempts are refused for a while without a password
being checked at all.

The counts live in this hub process's memory: each replica counts on its own (so a guesser
spread over N replicas gets up to N times the limit) and a restart forgets them. Each hub
checks only a few passwords a second (hub/auth/passwords.py), which bounds both the guessing
and the memory this takes."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.settings import Settings

_MAX_TALLIES = 50_000


@dataclass
class _Tally:
    failures: deque[float] = field(default_factory=deque)
    pending: int = 0  # attempts being checked right now
    locked_until: float = 0.0

    def forget_before(self, moment: float) -> None:
        while self.failures and self.failures[0] <= moment:
            self.failures.popleft()

    def idle(self, now: float) -> bool:
        return not self.failures and self.pending == 0 and self.locked_until <= now


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
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        return cls(
            settings.login_max_failures,
            settings.login_max_failures_per_address,
            settings.login_failure_window_seconds,
            settings.login_lockout_seconds,
        )

    @classmethod
    def of_process(cls, state: dict[str, Any], settings: Settings) -> LoginThrottle:
        """The process's one throttle, kept in the hub's per-process state (`Hub.state`):
        lockouts count across every request this process serves."""
        found = state.get("login_throttle")
        if not isinstance(found, cls):
            found = state["login_throttle"] = cls.from_settings(settings)
        return found

    def _keys(self, username: str, address: str | None) -> list[tuple[Limit, tuple[str, str]]]:
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
        now = self._clock()
        keys = self._keys(username, address)
        wait = max((self._wait(limit, key, now) for limit, key in keys), default=0.0)
        if wait > 0:
            return wait
        for _, key in keys:
            self._tallies.setdefault(key, _Tally()).pending += 1
        return None

    def _wait(self, limit: Limit, key: tuple[str, str], now: float) -> float:
        tally = self._tallies.get(key)
        if tally is None:
            return 0.0
        if tally.locked_until > now:
            return tally.locked_until - now
        tally.forget_before(now - self._window)
        if len(tally.failures) + tally.pending >= limit.max_failures:
            return 1.0  # the attempts still being checked decide; ask again in a moment
        return 0.0

    def end(self, username: str, address: str | None, verdict: bool | None) -> bool:
        """Close an attempt `begin` let through: True when the password was right, False
        when wrong, None when no verdict was reached. A right password clears the username's
        failures. Returns whether this failure started a lockout."""
        now = self._clock()
        locked = False
        for limit, key in self._keys(username, address):
            tally = self._tallies.setdefault(key, _Tally())
            tally.pending = max(0, tally.pending - 1)
            if verdict is True and limit.kind == "username":
                tally.failures.clear()
                tally.locked_until = 0.0
            elif verdict is False:
                locked = self._fail(limit, tally, now) or locked
        self._sweep(now)
        return locked

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
