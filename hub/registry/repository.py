"""All SQL about gift registries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.profiles.models import Profile
from hub.registry.models import GiftRegistry, GiftRegistryItem, GiftRegistryPurchase


async def code_taken(session: AsyncSession, code: str) -> bool:
    return (
        await session.scalar(select(GiftRegistry.id).where(GiftRegistry.code == code)) is not None
    )


async def add(session: AsyncSession, registry: GiftRegistry, items: list[GiftRegistryItem]) -> None:
    session.add(registry)
    await session.flush()
    for item in items:
        item.registry_id = registry.id
    session.add_all(items)
    await session.flush()


async def by_code(session: AsyncSession, code: str) -> GiftRegistry | None:
    return await session.scalar(select(GiftRegistry).where(GiftRegistry.code == code))


async def items_of(session: AsyncSession, registry_id: int) -> list[GiftRegistryItem]:
    rows = await session.scalars(
        select(GiftRegistryItem)
        .where(GiftRegistryItem.registry_id == registry_id)
        .order_by(GiftRegistryItem.position, GiftRegistryItem.id)
    )
    return list(rows)


async def search(
    session: AsyncSession, tokens: Sequence[str], since: date, limit: int
) -> list[GiftRegistry]:
    """Registries whose owner's name or title holds every token; past events drop off."""
    query = select(GiftRegistry).join(Profile, Profile.id == GiftRegistry.profile_id)
    for token in tokens:
        pattern = f"%{token}%"
        query = query.where(
            or_(Profile.search_name.like(pattern), func.lower(GiftRegistry.title).like(pattern))
        )
    query = query.where(
        Profile.erased_at.is_(None),
        or_(GiftRegistry.event_date.is_(None), GiftRegistry.event_date >= since),
    )
    rows = await session.scalars(
        query.order_by(GiftRegistry.event_date, GiftRegistry.id).limit(limit)
    )
    return list(rows)


async def purchase_by_message(
    session: AsyncSession, message_id: str
) -> GiftRegistryPurchase | None:
    return await session.scalar(
        select(GiftRegistryPurchase).where(GiftRegistryPurchase.message_id == message_id)
    )


async def add_bought(session: AsyncSession, item_id: int, quantity: int) -> int | None:
    """Count `quantity` more as bought, in one guarded statement: None if that over-buys.

    Two guests buying the last one at once cannot both succeed: the second update matches
    no row.
    """
    bought = await session.scalar(
        update(GiftRegistryItem)
        .where(
            GiftRegistryItem.id == item_id,
            GiftRegistryItem.bought + quantity <= GiftRegistryItem.wanted,
        )
        .values(bought=GiftRegistryItem.bought + quantity)
        .returning(GiftRegistryItem.bought)
    )
    return None if bought is None else int(bought)


async def add_purchase(session: AsyncSession, purchase: GiftRegistryPurchase) -> None:
    session.add(purchase)
    await session.flush()


async def forget(session: AsyncSession, profile_ids: Sequence[str]) -> int:
    """Remove the registries these profiles own and their names from others' purchases."""
    owned = list(
        await session.scalars(
            select(GiftRegistry.id).where(GiftRegistry.profile_id.in_(profile_ids))
        )
    )
    if owned:
        await session.execute(
            delete(GiftRegistryPurchase).where(GiftRegistryPurchase.registry_id.in_(owned))
        )
        await session.execute(
            delete(GiftRegistryItem).where(GiftRegistryItem.registry_id.in_(owned))
        )
        await session.execute(delete(GiftRegistry).where(GiftRegistry.id.in_(owned)))
    await session.execute(
        update(GiftRegistryPurchase)
        .where(GiftRegistryPurchase.buyer_profile_id.in_(profile_ids))
        .values(buyer_profile_id=None)
    )
    return len(owned)


async def owned_by(session: AsyncSession, profile_ids: Sequence[str]) -> list[GiftRegistry]:
    rows = await session.scalars(
        select(GiftRegistry)
        .where(GiftRegistry.profile_id.in_(profile_ids))
        .order_by(GiftRegistry.created_at)
    )
    return list(rows)


async def move_owned(session: AsyncSession, from_profile: str, to_profile: str) -> list[int]:
    """On a merge: the registries follow their owner (ids kept for a split)."""
    ids = list(
        await session.scalars(
            select(GiftRegistry.id).where(GiftRegistry.profile_id == from_profile)
        )
    )
    if ids:
        await session.execute(
            update(GiftRegistry).where(GiftRegistry.id.in_(ids)).values(profile_id=to_profile)
        )
    return ids
