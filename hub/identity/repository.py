"""All SQL about identifiers, the merge journal and identity conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.identity.models import Identifier, IdentityConflict, Merge

_CHUNK = 400


async def find(session: AsyncSession, pairs: Iterable[tuple[str, str]]) -> list[Identifier]:
    wanted = list(dict.fromkeys(pairs))
    found: list[Identifier] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = await session.scalars(
            select(Identifier)
            .where(tuple_(Identifier.kind, Identifier.value).in_(chunk))
            .execution_options(populate_existing=True)
        )
        found.extend(rows)
    return found


async def for_profiles(session: AsyncSession, profile_ids: Sequence[str]) -> list[Identifier]:
    rows = await session.scalars(
        select(Identifier)
        .where(Identifier.profile_id.in_(profile_ids))
        .order_by(Identifier.created_at, Identifier.id)
    )
    return list(rows)


async def move_all(session: AsyncSession, from_profile: str, to_profile: str) -> list[int]:
    rows = await session.scalars(
        update(Identifier)
        .where(Identifier.profile_id == from_profile)
        .values(profile_id=to_profile)
        .returning(Identifier.id)
    )
    return list(rows)


async def add(session: AsyncSession, identifier: Identifier) -> Identifier:
    session.add(identifier)
    await session.flush()
    return identifier


async def insert_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Identifier]:
    """Many new identifiers in multi-row INSERTs, returned (with their ids) in input order.

    Ordered here by (kind, value), which is unique: asking the INSERT for parameter order
    (`sort_by_parameter_order`) makes SQLAlchemy send SQLite one row per statement.
    """
    found = {
        (i.kind, i.value): i
        for i in await session.scalars(insert(Identifier).returning(Identifier), list(rows))
    }
    return [found[(row["kind"], row["value"])] for row in rows]


async def add_merge(session: AsyncSession, merge: Merge) -> Merge:
    session.add(merge)
    await session.flush()
    return merge


async def merges_for(session: AsyncSession, profile_id: str) -> list[Merge]:
    rows = await session.scalars(
        select(Merge).where(Merge.survivor_id == profile_id).order_by(Merge.created_at.desc())
    )
    return list(rows)


async def add_conflict(session: AsyncSession, conflict: IdentityConflict) -> IdentityConflict:
    session.add(conflict)
    await session.flush()
    return conflict


async def open_conflicts(session: AsyncSession, limit: int) -> list[IdentityConflict]:
    rows = await session.scalars(
        select(IdentityConflict)
        .where(IdentityConflict.status == "OPEN")
        .order_by(IdentityConflict.created_at.desc())
        .limit(limit)
    )
    return list(rows)


async def remove(session: AsyncSession, identifier: Identifier) -> None:
    """Delete an identifier; its past events stay on the profile, no longer linked to it."""
    from hub.events.models import Event

    await session.execute(
        update(Event).where(Event.identifier_id == identifier.id).values(identifier_id=None)
    )
    await session.delete(identifier)
    await session.flush()
