"""All SQL about explicit preferences and learned affinities."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from hub.db import remembered
from hub.preferences.learning import Interest
from hub.preferences.models import Affinity, ForgottenInterest, Preference

_CHUNK = 300
_INSERT_CHUNK = 5000


async def explicit_for(session: AsyncSession, profile_ids: Sequence[str]) -> list[Preference]:
    async def load() -> list[Preference]:
        rows = await session.scalars(
            select(Preference)
            .where(Preference.profile_id.in_(profile_ids))
            .order_by(Preference.updated_at.desc(), Preference.id.desc())
        )
        return list(rows)

    return list(await remembered(session, ("explicit", tuple(profile_ids)), load))


async def explicit_one(
    session: AsyncSession, profile_id: str, key: str, value: str
) -> Preference | None:
    return await session.scalar(
        select(Preference).where(
            Preference.profile_id == profile_id, Preference.key == key, Preference.value == value
        )
    )


async def affinities_for(session: AsyncSession, profile_ids: Sequence[str]) -> list[Affinity]:
    async def load() -> list[Affinity]:
        rows = await session.scalars(select(Affinity).where(Affinity.profile_id.in_(profile_ids)))
        return list(rows)

    return list(await remembered(session, ("affinities", tuple(profile_ids)), load))


async def affinities_matching(
    session: AsyncSession, triples: Iterable[tuple[str, str, str]]
) -> list[Affinity]:
    """The learned interests with these (profile, key, value), in chunks.

    Asked as three IN lists, which both stores answer from the unique index on (profile_id,
    key, value), then narrowed to the exact triples here: SQLite does not use that index for a
    row-value `(a, b, c) IN (…)` list and scans the whole table (~150 ms a chunk at 415k rows).
    """
    wanted = list(dict.fromkeys(triples))
    found: list[Affinity] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        exact = set(chunk)
        rows = await session.scalars(
            select(Affinity).where(
                Affinity.profile_id.in_(sorted({p for p, _, _ in chunk})),
                Affinity.key.in_(sorted({k for _, k, _ in chunk})),
                Affinity.value.in_(sorted({v for _, _, v in chunk})),
            )
        )
        found.extend(a for a in rows if (a.profile_id, a.key, a.value) in exact)
    return found


# What learning changes on an interest; with its key, what a new interest is made of.
LEARNED_COLUMNS = (
    "score",
    "as_of",
    "views",
    "carts",
    "purchases",
    "returns",
    "last_touchpoint",
    "updated_at",
)
_AFFINITY_COLUMNS = ("profile_id", "key", "value", *LEARNED_COLUMNS)


def mark_learned(affinities: Iterable[Affinity]) -> None:
    """Mark every learned column changed, so that the next flush writes all these interests in
    one UPDATE: the unit of work batches rows only when the same columns changed, and a view
    and a purchase change different counters."""
    for affinity in affinities:
        for column in LEARNED_COLUMNS:
            flag_modified(affinity, column)


async def insert_affinities(session: AsyncSession, created: Iterable[Interest]) -> int:
    """New learned interests in a few multi-row INSERTs (no ORM objects: nothing reads their
    ids, and a unit-of-work flush of thousands of rows costs a round trip each)."""
    rows = [{c: getattr(a, c) for c in _AFFINITY_COLUMNS} for a in created]
    for start in range(0, len(rows), _INSERT_CHUNK):
        await session.execute(insert(Affinity), rows[start : start + _INSERT_CHUNK])
    return len(rows)


async def delete_explicit(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(delete(Preference).where(Preference.id.in_(ids)))


async def delete_affinities(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(delete(Affinity).where(Affinity.id.in_(ids)))


async def move_explicit(session: AsyncSession, ids: Sequence[int], to_profile: str) -> None:
    if ids:
        await session.execute(
            update(Preference).where(Preference.id.in_(ids)).values(profile_id=to_profile)
        )


async def move_affinities(session: AsyncSession, ids: Sequence[int], to_profile: str) -> None:
    if ids:
        await session.execute(
            update(Affinity).where(Affinity.id.in_(ids)).values(profile_id=to_profile)
        )


async def forgotten_for(
    session: AsyncSession, profile_ids: Sequence[str]
) -> list[ForgottenInterest]:
    if not profile_ids:
        return []
    rows = await session.scalars(
        select(ForgottenInterest).where(ForgottenInterest.profile_id.in_(list(profile_ids)))
    )
    return list(rows)


async def forgotten_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[ForgottenInterest]:
    if not ids:
        return []
    rows = await session.scalars(select(ForgottenInterest).where(ForgottenInterest.id.in_(ids)))
    return list(rows)


async def affinities_on(
    session: AsyncSession, profile_ids: Sequence[str], facets: Sequence[tuple[str, str]]
) -> list[Affinity]:
    if not facets or not profile_ids:
        return []
    rows = await session.scalars(
        select(Affinity).where(
            Affinity.profile_id.in_(profile_ids),
            tuple_(Affinity.key, Affinity.value).in_(list(facets)),
        )
    )
    return list(rows)


async def newest_activity(session: AsyncSession, profile_ids: Sequence[str]) -> dict[str, datetime]:
    rows = await session.execute(
        select(Affinity.profile_id, func.max(Affinity.as_of))
        .where(Affinity.profile_id.in_(profile_ids))
        .group_by(Affinity.profile_id)
    )
    return {profile_id: newest for profile_id, newest in rows.tuples() if newest is not None}
