"""All SQL about handoffs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.handoff.models import Handoff


async def add(session: AsyncSession, handoff: Handoff) -> None:
    session.add(handoff)
    await session.flush()


async def by_hash(session: AsyncSession, code_hash: str) -> Handoff | None:
    return await session.scalar(select(Handoff).where(Handoff.code_hash == code_hash))


async def take(session: AsyncSession, handoff_id: int, now: datetime, touchpoint: str) -> bool:
    """Mark the hand-off claimed, if nobody has: one statement that finds it unclaimed, so that
    of claims at once one takes it and the others (waiting for its row) find it taken."""
    taken = await session.scalar(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.claimed_at.is_(None))
        .values(claimed_at=now, claimed_touchpoint=touchpoint)
        .returning(Handoff.id)
    )
    return taken is not None


async def open_count(session: AsyncSession, profile_id: str, now: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(
            Handoff.profile_id == profile_id,
            Handoff.claimed_at.is_(None),
            Handoff.expires_at > now,
        )
    )
    return int(count or 0)


async def forget(session: AsyncSession, profile_ids: Sequence[str]) -> None:
    await session.execute(delete(Handoff).where(Handoff.profile_id.in_(profile_ids)))


async def purge_expired(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(delete(Handoff).where(Handoff.expires_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
