"""All SQL about events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.events.models import Event, RetiredMessage

_CHUNK = 500


async def existing_message_ids(session: AsyncSession, message_ids: Collection[str]) -> set[str]:
    wanted = list(message_ids)
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            await session.scalars(select(Event.message_id).where(Event.message_id.in_(chunk)))
        )
        found.update(
            await session.scalars(
                select(RetiredMessage.message_id).where(RetiredMessage.message_id.in_(chunk))
            )
        )
    return found


async def insert_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Event), list(rows))


async def recent_for(
    session: AsyncSession, profile_ids: Sequence[str], limit: int, types: Collection[str] = ()
) -> list[Event]:
    query = select(Event).where(Event.profile_id.in_(profile_ids))
    if types:
        query = query.where(Event.type.in_(list(types)))
    rows = await session.scalars(
        query.order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit)
    )
    return list(rows)


async def move_all(session: AsyncSession, from_profile: str, to_profile: str) -> int:
    result = await session.execute(
        update(Event).where(Event.profile_id == from_profile).values(profile_id=to_profile)
    )
    return int(getattr(result, "rowcount", 0) or 0)
