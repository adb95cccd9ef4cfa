"""All SQL about profile rows and notes."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import hold_writes, in_list, insert_tuples, list_value, utcnow
from hub.profiles.models import Note, Profile


async def get(session: AsyncSession, profile_id: str) -> Profile | None:
    return await session.get(Profile, profile_id)


async def get_live(session: AsyncSession, profile_id: str) -> Profile | None:
    """The profile, or the one it was merged into (merges may chain)."""
    profile = await session.get(Profile, profile_id)
    hops = 0
    while profile is not None and profile.merged_into_id and hops < 20:
        profile = await session.get(Profile, profile.merged_into_id)
        hops += 1
    if profile is not None and profile.erased_at is not None:
        return None
    return profile


async def get_many(session: AsyncSession, ids: Sequence[str]) -> list[Profile]:
    if not ids:
        return []
    rows = await session.scalars(select(Profile).where(Profile.id.in_(ids)))
    return list(rows)


# What `insert_many` takes a value of for each new profile, in this order: every column with a
# Python-side default.
PROFILE_COLUMNS = ("id", "is_known", "created_at", "updated_at", "traits", "version")


async def insert_many(session: AsyncSession, rows: Sequence[Sequence[Any]]) -> None:
    await insert_tuples(session, Profile.__table__, PROFILE_COLUMNS, rows)  # one statement


async def bump_versions(session: AsyncSession, profile_ids: Sequence[str]) -> dict[str, int]:
    """Atomically take each profile's next version number (concurrent writers never share one),
    in one statement, made once per kind of store: id → its new version."""
    dialect = session.get_bind().dialect.name
    rows = await session.execute(
        _bump(dialect), {"ids": list_value(dialect, list(profile_ids)), "now": utcnow()}
    )
    return {profile_id: int(version) for profile_id, version in rows}


@cache
def _bump(dialect: str) -> Any:
    table = cast(Table, Profile.__table__)
    return (
        update(table)
        .where(in_list(table.c.id, "ids", dialect))
        .values(
            version=table.c.version + 1,
            updated_at=bindparam("now", type_=table.c.updated_at.type),
        )
        .returning(table.c.id, table.c.version)
    )


async def search_by_name(session: AsyncSession, tokens: Sequence[str], limit: int) -> list[Profile]:
    """Candidates whose name contains a token's first or last three letters."""
    clauses = []
    for token in tokens:
        clauses.append(Profile.search_name.contains(token[:3], autoescape=True))
        if len(token) > 3:
            clauses.append(Profile.search_name.contains(token[-3:], autoescape=True))
    if not clauses:
        return []
    rows = await session.scalars(
        select(Profile)
        .where(Profile.merged_into_id.is_(None), Profile.search_name.is_not(None), or_(*clauses))
        .limit(limit)
    )
    return list(rows)


async def add_note(session: AsyncSession, note: Note) -> Note:
    session.add(note)
    await session.flush()
    return note


async def note_by_message(session: AsyncSession, message_id: str) -> Note | None:
    found: Note | None = await session.scalar(select(Note).where(Note.message_id == message_id))
    return found


async def notes_for(session: AsyncSession, profile_ids: Sequence[str], limit: int) -> list[Note]:
    rows = await session.scalars(
        select(Note)
        .where(Note.profile_id.in_(profile_ids))
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(limit * max(1, len(profile_ids)))
    )
    return list(rows)


async def count(session: AsyncSession) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Profile).where(Profile.merged_into_id.is_(None))
    )
    return int(total or 0)


async def move_notes(session: AsyncSession, from_profile: str, to_profile: str) -> list[int]:
    rows = await session.scalars(
        update(Note)
        .where(Note.profile_id == from_profile)
        .values(profile_id=to_profile)
        .returning(Note.id)
    )
    return list(rows)


async def lock(session: AsyncSession, ids: Sequence[str], share: bool = False) -> list[Profile]:
    """Lock profile rows (in id order, so two writers never deadlock) and read them fresh.
    PostgreSQL blocks a concurrent merge; on SQLite the write transaction begins here
    (`hold_writes`), holding every other writer off."""
    if not ids:
        return []
    await hold_writes(session)
    rows = await session.scalars(
        select(Profile)
        .where(Profile.id.in_(sorted(set(ids))))
        .order_by(Profile.id)
        .with_for_update(read=share)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def lock_states(
    session: AsyncSession, ids: Sequence[str], share: bool = False
) -> list[tuple[str, str | None, bool]]:
    """`lock` for a batch that needs no Profile objects: (id, merged into, erased) per row,
    locked in id order (on SQLite: the write transaction begun, as `lock` does); a statement
    made once per kind of store."""
    if not ids:
        return []
    await hold_writes(session)
    dialect = session.get_bind().dialect.name
    wanted = list_value(dialect, sorted(set(ids)))
    rows = await session.execute(_lock_states(dialect, share), {"ids": wanted})
    return [(pid, merged, bool(erased)) for pid, merged, erased in rows]


@cache
def _lock_states(dialect: str, share: bool) -> Any:
    table = cast(Table, Profile.__table__)
    return (
        select(table.c.id, table.c.merged_into_id, table.c.erased_at.is_not(None))
        .where(in_list(table.c.id, "ids", dialect))
        .order_by(table.c.id)
        .with_for_update(read=share)
    )


async def merged_into(session: AsyncSession, profile_id: str) -> list[str]:
    """The profiles merged into this one (tombstones that point at it)."""
    return list(
        await session.scalars(select(Profile.id).where(Profile.merged_into_id == profile_id))
    )
