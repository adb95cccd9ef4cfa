"""Channel keys, agent accounts and sign-in."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import AGENT_SCOPES, CHANNEL_SCOPES, Principal
from hub.auth import passwords
from hub.auth import repository as repo
from hub.auth.models import Agent, AgentToken, ApiKey
from hub.db import Database, utcnow
from hub.enums import Channel
from hub.errors import DomainError, ErrorCode
from hub.privacy import tokens as self_service

_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,100}$")
TOKEN_PREFIX = "rat_"


def bearer_from(value: str | None) -> str | None:
    """The credential of an `Authorization: Bearer …` header, or None."""
    if not value:
        return None
    scheme, _, credential = value.strip().partition(" ")
    return credential.strip() if scheme.lower() == "bearer" and credential.strip() else None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(session: AsyncSession, channel: Channel, name: str) -> tuple[ApiKey, str]:
    """A new channel key; the plain key is returned once and never stored."""
    if channel is Channel.SELF:
        raise DomainError.one(
            ("channel",),
            ErrorCode.INVALID,
            "Self-service tokens come from a one-time code, not a key.",
        )
    plain = f"rk_{channel.value}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        channel=channel.value,
        name=name[:100] or channel.value,
        prefix=plain[:12],
        key_hash=_digest(plain),
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row, plain


async def revoke_key(session: AsyncSession, key_id: int) -> bool:
    row = await repo.key_by_id(session, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return await repo.list_keys(session)


async def create_agent(
    session: AsyncSession, username: str, password: str, display_name: str | None = None
) -> Agent:
    if not _USERNAME.match(username or ""):
        raise DomainError.one(
            ("username",), ErrorCode.INVALID, "A username is 2–100 letters, digits or . _ @ -."
        )
    if len(password or "") < 8:
        raise DomainError.one(
            ("password",), ErrorCode.INVALID, "A password has at least 8 characters."
        )
    password_hash = await passwords.hashed(password)
    existing = await repo.lock_agent(session, username)
    if existing is not None:
        existing.password_hash = password_hash
        existing.active = True
        if display_name:
            existing.display_name = display_name
        # A new password signs the agent out everywhere: old tokens may have leaked with it.
        await repo.delete_tokens(session, agent_id=existing.id)
        return existing
    agent = Agent(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash,
        active=True,
        created_at=utcnow(),
    )
    session.add(agent)
    await session.flush()
    return agent


async def disable_agent(session: AsyncSession, username: str) -> Agent:
    """No more sign-ins, and every token the agent holds stops working."""
    agent = await repo.lock_agent(session, (username or "").strip())
    if agent is None:
        raise DomainError.one(("username",), ErrorCode.NOT_FOUND, "No agent has this username.")
    agent.active = False
    await repo.delete_tokens(session, agent_id=agent.id)
    return agent


async def logout(session: AsyncSession, by: Principal | None) -> bool:
    """End one agent session (the token that asks); nothing for a key."""
    if by is None or by.token_id is None:
        return False
    return await repo.delete_tokens(session, token_id=by.token_id) > 0


def _wrong_credentials() -> DomainError:
    return DomainError.one(
        ("password",), ErrorCode.INVALID_CREDENTIALS, "Wrong username or password."
    )


async def check_password(db: Database, username: str, password: str) -> Agent:
    """The active agent with this username and password, or INVALID_CREDENTIALS. The hash is
    checked off the event loop with no database connection held (it takes ~0.1 s)."""
    async with db.sessions() as session:
        agent = await repo.agent_by_username(session, (username or "").strip())
    # Unknown usernames are checked against a dummy hash: the timing does not tell who exists.
    ok = await passwords.matches(agent.password_hash if agent else None, password or "")
    if not ok or agent is None or not agent.active:
        raise _wrong_credentials()
    return agent


async def login(
    session: AsyncSession, checked: Agent, ttl_seconds: int
) -> tuple[str, datetime, Agent]:
    """A bearer token for an agent whose password `check_password` accepted."""
    agent = await repo.lock_agent(session, checked.username)
    if agent is None or not agent.active or agent.password_hash != checked.password_hash:
        raise _wrong_credentials()  # disabled, or given a new password, meanwhile
    now = utcnow()
    await repo.purge_expired_tokens(session, now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=ttl_seconds)
    session.add(
        AgentToken(agent_id=agent.id, token_hash=_digest(token), created_at=now, expires_at=expires)
    )
    await session.flush()
    return token, expires, agent


class Authenticator:
    """Turns a bearer credential into a Principal, with a short cache to spare the database."""

    def __init__(self, cache_seconds: float) -> None:
        self._cache: dict[str, tuple[float, Principal | None, datetime | None]] = {}
        self._ttl = cache_seconds

    def remembered(
        self, bearer: str, fresh_within: float | None = None
    ) -> tuple[bool, Principal | None]:
        """(True, the answer) when this bearer's answer is remembered and current — read from
        the database at most `fresh_within` seconds ago, when given — so a caller need not open
        a session; (False, None) when only `authenticate` can tell."""
        if not bearer or len(bearer) > 200:
            return True, None
        hit = self._cache.get(_digest(bearer))
        if hit is None or (hit[2] is not None and hit[2] <= utcnow()):
            return False, None
        now = time.monotonic()
        oldest = hit[0] - self._ttl + (fresh_within if fresh_within is not None else self._ttl)
        if hit[0] > now and oldest > now:
            return True, hit[1]
        return False, None

    async def authenticate_with(
        self,
        sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
        bearer: str,
        fresh_within: float | None = None,
    ) -> Principal | None:
        """`authenticate`, with a session from `sessions` opened only when the answer is not
        remembered (most requests: a key is looked up once per cache period), or was read
        longer than `fresh_within` seconds ago."""
        known, principal = self.remembered(bearer, fresh_within)
        if known:
            return principal
        async with sessions() as session:
            return await self._read(session, bearer)

    async def authenticate(self, session: AsyncSession, bearer: str) -> Principal | None:
        known, principal = self.remembered(bearer)
        if known:
            return principal
        return await self._read(session, bearer)

    async def _read(self, session: AsyncSession, bearer: str) -> Principal | None:
        """The answer from the database, remembered for the cache period."""
        digest = _digest(bearer)
        now_mono = time.monotonic()
        principal, expires = await self._lookup(session, bearer, digest)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now_mono + self._ttl, principal, expires)
        return principal

    async def _lookup(
        self, session: AsyncSession, bearer: str, digest: str
    ) -> tuple[Principal | None, datetime | None]:
        if bearer.startswith(self_service.TOKEN_PREFIX):
            found_self = await self_service.token_profile(session, bearer)
            if found_self is None:
                return None, None
            profile_id, expires_at = found_self
            shared = self_service.shared_screen(bearer)
            return Principal(
                channel=Channel.SELF,
                name="shopper",
                scopes=CHANNEL_SCOPES[Channel.SELF],
                profile_id=profile_id,
                shared_screen=shared,
                expires_at=expires_at,
            ), expires_at
        if bearer.startswith(TOKEN_PREFIX):
            found = await repo.token_by_hash(session, digest, utcnow())
            if found is None:
                return None, None
            token, agent = found
            return Principal(
                channel=Channel.CALLCENTER,
                name=agent.display_name,
                scopes=AGENT_SCOPES,
                agent_id=agent.id,
                agent_username=agent.username,
                token_id=token.id,
                expires_at=token.expires_at,
            ), token.expires_at
        key = await repo.key_by_hash(session, digest)
        if key is None:
            return None, None
        channel = Channel(key.channel)
        return Principal(
            channel=channel, name=key.name, scopes=CHANNEL_SCOPES[channel], key_id=key.id
        ), None

    def forget(self, bearer: str | None = None) -> None:
        """Drop one credential from the cache (after a sign-out), or all of them."""
        if bearer is None:
            self._cache.clear()
        else:
            self._cache.pop(_digest(bearer), None)


async def remember_profiles(
    session: AsyncSession, principal: Principal | None, profile_ids: Sequence[str]
) -> None:
    """A web site's key has named these customers: from now on it may reach them by id."""
    if principal is not None and principal.channel is Channel.WEB and principal.key_id:
        await repo.remember_many(session, principal.key_id, profile_ids)


async def key_reaches(session: AsyncSession, principal: Principal, profile_id: str) -> bool:
    if principal.channel is not Channel.WEB or principal.key_id is None:
        return True
    return await repo.key_knows(session, principal.key_id, profile_id)
