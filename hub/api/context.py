"""Per-request context: who is calling, a read session, DataLoaders, and the write path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from hub.actors import Principal, Scope
from hub.broker import LocalBroker, take_changes
from hub.db import Database, remember_reads, unique_violation, utcnow, write_retried
from hub.enums import Channel
from hub.errors import DomainError, ErrorCode
from hub.replicas import ReadReplicas, format_position, parse_position
from hub.settings import Settings
from hub.weights import Weights

T = TypeVar("T")
log = logging.getLogger(__name__)
_WRITE_ATTEMPTS = 3


class Authenticates(Protocol):
    """Turns a bearer credential into the caller (hub.auth.service.Authenticator)."""

    async def authenticate(self, session: AsyncSession, bearer: str) -> Principal | None: ...

    async def authenticate_with(
        self,
        sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
        bearer: str,
        fresh_within: float | None = None,
    ) -> Principal | None:
        """`authenticate`, opening a session only when the answer is not remembered (or was
        read from the database longer than `fresh_within` seconds ago)."""
        ...

    def forget(self, bearer: str | None = None) -> None:
        """Drop one credential from the cache (after a sign-out), or all of them."""
        ...


class Access(Protocol):
    """What the shared context asks of the domains, wired in above them (hub/web/access.py)."""

    async def reaches(
        self, session: AsyncSession, principal: Principal, profile_id: str
    ) -> bool | None:
        """Whether the caller reaches this profile (None: no such live profile)."""
        ...

    def record_reads(
        self,
        session: AsyncSession,
        principal: Principal,
        profile_ids: Sequence[str],
        detail: str,
        action: str,
    ) -> None:
        """An agent's reads, on record."""
        ...


class RequestEnded(Exception):
    """Work of a request that has been answered (a failed query's sibling field, settled in
    the background): nothing more is read or written for it."""

    def __init__(self) -> None:
        super().__init__("This request has been answered already.")


@dataclass
class Hub:
    """What lives for the whole process: settings, database, broker, authenticator."""

    settings: Settings
    db: Database
    broker: LocalBroker
    authenticator: Authenticates
    weights: Weights
    access: Access
    # Hot standbys for queries (None: SQLite, or none configured): hub/replicas.py.
    replicas: ReadReplicas | None = None
    # Per-process state a domain keeps for itself (e.g. auth's sign-in lockouts).
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    hub: Hub
    request: HTTPConnection | None = None
    response: Any = None
    principal: Principal | None = None
    connection_params: dict[str, Any] | None = None
    # The credential a WebSocket connected with, checked again while subscriptions run.
    bearer: str | None = None
    # Set per HTTP operation by hub.api.consistency: a query may read from a standby, after
    # the position in the client's X-Rapport-Consistency token (`consistency`) if it sent one.
    standby_reads: bool = False
    consistency: str | None = None
    wrote: bool = False
    _ended: bool = False  # `close`d: the request is answered
    _session: AsyncSession | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _loaders: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.hub.settings

    def can(self, scope: Scope) -> bool:
        return self.principal is not None and self.principal.can(scope)

    @property
    def client_address(self) -> str | None:
        """The caller's IP address (a trusted proxy's X-Forwarded-For, see uvicorn's
        FORWARDED_ALLOW_IPS), for HTTP and WebSocket alike."""
        client = self.request.client if self.request is not None else None
        return client.host if client is not None else None

    def outside_own_profile(self, profile_id: str | None) -> bool:
        """A shopper's token asked about another profile, or about nobody (it must not learn
        who else exists)."""
        principal = self.principal
        if principal is None or principal.profile_id is None:
            return False
        return profile_id is None or not principal.may_see(profile_id)

    @property
    def masked(self) -> bool:
        return self.principal is None or self.principal.masked

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """The request's read session; one user at a time (sibling fields run concurrently).

        Refused (`RequestEnded`) once the request is answered (`close`): graphql-core settles a
        failed query's sibling fields in the background, after the answer went out, and a
        session opened then would be closed by nobody (its connection left to the garbage
        collector)."""
        if self._ended:
            raise RequestEnded()
        async with self._lock:
            if self._session is None:
                self._session = await self._open_read_session()
                remember_reads(self._session)
            yield self._session

    async def _open_read_session(self) -> AsyncSession:
        """A standby's session for a query when one is up and has replayed the client's token;
        otherwise (mutations, sockets, a malformed token, a standby down or behind) the
        primary's."""
        replicas = self.hub.replicas
        if replicas is not None and self.standby_reads:
            # No token, or a WAL position; anything else (`primary`, say) reads the primary.
            wanted = parse_position(self.consistency)
            if self.consistency is None or wanted is not None:
                session = await replicas.session(wanted)
                if session is not None:
                    return session
                # A token past anything the primary wrote is not handed back
                # (`consistency.finish`): the client would send it with every read and wait
                # every time. The primary's position goes back in its place.
                with contextlib.suppress(Exception):  # the primary's trouble: the read says
                    if wanted is not None and (vouched := await replicas.genuine(wanted)) < wanted:
                        self.consistency = format_position(vouched)
        return self.hub.db.sessions()

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in its own transaction; commit, then publish its changes.

        A unique-key race (two replicas creating the same identifier), a busy SQLite file or
        a PostgreSQL deadlock or serialization failure is retried from the start;
        a DomainError rolls everything back and propagates.
        """
        if self._ended:
            raise RequestEnded()

        async def attempt(session: AsyncSession) -> T:
            session.info["principal"] = self.principal
            try:
                result = await work(session)
                await self.hub.broker.commit(session)
            except BaseException:
                take_changes(session)  # rolled back (`write_retried`): none of them happened
                raise
            return result

        try:
            result = await write_retried(
                self.hub.db.sessions,
                attempt,
                attempts=_WRITE_ATTEMPTS,
                # Apart, so two transactions that deadlocked do not meet again.
                pause=lambda tried: random.uniform(0.005, 0.02) * tried,
                retrying=lambda error: log.info("retrying a write after %s", type(error).__name__),
            )
        except IntegrityError as error:
            if unique_violation(error):  # a race still lost on the last try
                raise
            # A foreign key, NOT NULL or CHECK the input broke: not worth a retry. The
            # constraint's name, not the database's message: on PostgreSQL that quotes the
            # values (an email, a phone) that broke it.
            log.info("refused a write: %s", _constraint(error))
            raise DomainError.one(
                (), ErrorCode.CONFLICT, "That conflicts with data already stored."
            ) from error
        self.wrote = True
        await self.forget_reads()  # reads later in this request see what was committed
        return result

    async def forget_reads(self) -> None:
        """Close the read session and forget the DataLoaders' answers: the next read starts
        afresh. Closing (not rolling back) keeps rows already read usable: they are detached
        with their loaded state."""
        self._loaders.clear()
        if self._session is not None:
            async with self._lock:
                await self._session.close()
                self._session = None

    async def still_signed_in(self, fresh_within: float | None = None) -> bool:
        """False once the token has expired, or the key or token was revoked or signed out
        (seen within RAPPORT_AUTH_CACHE_SECONDS, or on an answer read from the database at
        most `fresh_within` seconds ago)."""
        principal = self.principal
        if principal is None:
            return False
        if principal.expires_at is not None and principal.expires_at <= utcnow():
            return False
        if self.bearer is None:
            return True
        signed_in = await self.hub.authenticator.authenticate_with(
            self.hub.db.sessions, self.bearer, fresh_within
        )
        return signed_in is not None

    async def may_see(self, profile_id: str) -> bool:
        """A shopper's token reaches its own profile (or ids merged into it) and no other."""
        if self.principal is None:
            return False
        if self.principal.profile_id is None and self.principal.channel is not Channel.WEB:
            return True
        # A short session of its own: a WebSocket's context lives as long as the socket, and
        # holding the request session there would keep a pooled connection for hours.
        async with self.hub.db.sessions() as session:
            reached = await self.hub.access.reaches(session, self.principal, profile_id)
        if reached is None:
            return self.principal.profile_id is None  # NOT_FOUND is the service's to say
        return reached

    async def audit_read(
        self, profile_ids: str | Sequence[str], detail: str, action: str = "READ"
    ) -> None:
        """Agents' reads are on record: one row per profile read, in one transaction."""
        principal = self.principal
        ids = [profile_ids] if isinstance(profile_ids, str) else list(profile_ids)
        if principal is None or principal.agent_username is None or not ids:
            return

        async def work(session: AsyncSession) -> None:
            self.hub.access.record_reads(session, principal, ids, detail, action)

        await self.write(work)

    def loader(self, name: str, factory: Callable[[], T]) -> T:
        if name not in self._loaders:
            self._loaders[name] = factory()
        loader: T = self._loaders[name]
        return loader

    async def close(self) -> None:
        """The request is answered: its read session closed, and no other opened (`reading`)."""
        self._ended = True
        if self._session is not None:
            await self._session.close()
            self._session = None


def _constraint(error: IntegrityError) -> str:
    cause = getattr(error.orig, "__cause__", None)  # asyncpg's own error behind the adapter
    name = getattr(cause, "constraint_name", None) or getattr(error.orig, "constraint_name", None)
    return str(name) if name else type(error.orig).__name__
