"""All SQL about segments and content items."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.profiles.models import Profile
from hub.segments.models import ContentItem, Segment


async def all_segments(session: AsyncSession) -> list[Segment]:
    return list(await session.scalars(select(Segment).order_by(Segment.name)))


async def segment(session: AsyncSession, segment_id: int) -> Segment | None:
    return await session.get(Segment, segment_id)


async def segment_named(session: AsyncSession, name: str) -> Segment | None:
    return await session.scalar(select(Segment).where(Segment.name == name))


async def segments_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Segment]:
    if not ids:
        return {}
    rows = await session.scalars(select(Segment).where(Segment.id.in_(list(ids))))
    return {s.id: s for s in rows}


async def content_using(session: AsyncSession, segment_id: int) -> list[ContentItem]:
    return list(
        await session.scalars(select(ContentItem).where(ContentItem.segment_id == segment_id))
    )


async def content_in(session: AsyncSession, slot: str | None) -> list[ContentItem]:
    query = select(ContentItem)
    if slot is not None:
        query = query.where(ContentItem.slot == slot)
    rows = await session.scalars(
        query.order_by(ContentItem.slot, ContentItem.priority.desc(), ContentItem.id)
    )
    return list(rows)


async def content_item(session: AsyncSession, item_id: int) -> ContentItem | None:
    return await session.get(ContentItem, item_id)


async def live_profiles_after(
    session: AsyncSession, after: str | None, limit: int
) -> list[Profile]:
    """A page of profiles that are neither merged away nor erased, in id order."""
    query = select(Profile).where(Profile.merged_into_id.is_(None), Profile.erased_at.is_(None))
    if after is not None:
        query = query.where(Profile.id > after)
    return list(await session.scalars(query.order_by(Profile.id).limit(limit)))
