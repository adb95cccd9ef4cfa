"""All SQL about keys, agents and agent tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.models import Agent, AgentToken, ApiKey, KeyProfile
from hub.db import hold_writes, insert_tuples, one_of, utcnow


async def key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    return await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )


async def token_by_hash(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[AgentToken, Agent] | None:
    row = (
        await session.execute(
            select(AgentToken, Agent)
            .join(Agent, Agent.id == AgentToken.agent_id)
            .where(
                AgentToken.token_hash == token_hash,
                AgentToken.expires_at > now,
                Agent.active.is_(True),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def agent_by_username(session: AsyncSession, username: str) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.username == username))


async def lock_agent(session: AsyncSession, username: str) -> Agent | None:
    """The agent, locked for this transaction and read as it now is (`FOR UPDATE`; on SQLite
    the write transaction begins first): a sign-in, a new password and disabling the agent
    take turns, so a token is never made with a password replaced meanwhile."""
    await hold_writes(session)
    return await session.scalar(
        select(Agent)
        .where(Agent.username == username)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.id)))


async def key_by_id(session: AsyncSession, key_id: int) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def delete_tokens(
    session: AsyncSession, *, agent_id: int | None = None, token_id: int | None = None
) -> int:
    query = delete(AgentToken)
    if agent_id is not None:
        query = query.where(AgentToken.agent_id == agent_id)
    if token_id is not None:
        query = query.where(AgentToken.id == token_id)
    result = await session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_expired_tokens(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(AgentToken).where(AgentToken.expires_at <= now))


async def key_knows(session: AsyncSession, key_id: int, profile_id: str) -> bool:
    found = await session.scalar(
        select(KeyProfile.id).where(
            KeyProfile.key_id == key_id, KeyProfile.profile_id == profile_id
        )
    )
    return found is not None


async def remember_many(session: AsyncSession, key_id: int, profile_ids: Sequence[str]) -> None:
    wanted = list(dict.fromkeys(profile_ids))
    if not wanted:
        return
    known = set(
        await session.scalars(
            select(KeyProfile.profile_id).where(
                KeyProfile.key_id == key_id, one_of(session, KeyProfile.profile_id, wanted)
            )
        )
    )
    # Plain rows in one statement, not ORM objects: the unit of work inserts those one
    # statement a row (each asks its id back), a thousand for a batch of new visitors. Whatever
    # the session holds unwritten (a profile these may name) goes first, as it did then.
    await session.flush()
    now = utcnow()
    rows = [(key_id, p, now) for p in wanted if p not in known]
    await insert_tuples(session, KeyProfile.__table__, KEY_PROFILE_COLUMNS, rows)


KEY_PROFILE_COLUMNS = ("key_id", "profile_id", "created_at")


async def move_links(session: AsyncSession, from_profile: str, to_profile: str) -> None:
    theirs = list(
        await session.scalars(select(KeyProfile).where(KeyProfile.profile_id == from_profile))
    )
    ours = set(
        await session.scalars(select(KeyProfile.key_id).where(KeyProfile.profile_id == to_profile))
    )
    for link in theirs:
        if link.key_id in ours:
            await session.delete(link)
        else:
            link.profile_id = to_profile
    await session.flush()
