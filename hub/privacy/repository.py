"""All SQL about consent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import reads
from hub.db import in_list, remembered
from hub.privacy.models import Consent, ConsentChange
from hub.reads import Read


async def current_for(session: AsyncSession, profile_ids: Sequence[str]) -> list[Consent]:
    if not profile_ids:
        return []

    async def load() -> list[Consent]:
        rows = await session.scalars(
            select(Consent).where(Consent.profile_id.in_(profile_ids)).order_by(Consent.purpose)
        )
        return list(rows)

    return list(await remembered(session, ("consents", tuple(profile_ids)), load))


def answers_for(
    session: AsyncSession, profile_ids: Sequence[str], purpose: str
) -> Read[list[tuple[str, bool, datetime | None]]]:
    """(profile id, granted, expires at) of these profiles' recorded answers for one purpose,
    as a read to gather with a write's others (a statement compiled once)."""
    statements = reads.chunked(session, _answers, "ids", list(profile_ids), purpose=purpose)
    return Read(
        statements,
        lambda rows: [
            (pid, bool(granted), expires) for part in rows for pid, granted, expires in part
        ],
    )


@cache
def _answers(dialect: str) -> Any:
    table = Consent.__table__
    return select(table.c.profile_id, table.c.granted, table.c.expires_at).where(
        in_list(table.c.profile_id, "ids", dialect), table.c.purpose == bindparam("purpose")
    )


_CONSENT_OF = select(Consent.granted, Consent.expires_at).where(
    Consent.profile_id == bindparam("profile_id"), Consent.purpose == bindparam("purpose")
)


def consent_of(profile_id: str, purpose: str) -> Read[tuple[bool, datetime | None] | None]:
    """One profile's answer for one purpose, (granted, expires_at), or None when it has none:
    a read to gather with others."""
    return Read(
        ((_CONSENT_OF, {"profile_id": profile_id, "purpose": purpose}),),
        lambda rows: (bool(rows[0][0][0]), rows[0][0][1]) if rows[0] else None,
    )


async def history_for(session: AsyncSession, profile_id: str, limit: int) -> list[ConsentChange]:
    rows = await session.scalars(
        select(ConsentChange)
        .where(ConsentChange.profile_id == profile_id)
        .order_by(ConsentChange.changed_at.desc(), ConsentChange.id.desc())
        .limit(limit)
    )
    return list(rows)


async def delete_current(session: AsyncSession, consent: Consent) -> None:
    await session.delete(consent)


async def move_history(session: AsyncSession, from_profile: str, to_profile: str) -> list[int]:
    rows = await session.scalars(
        update(ConsentChange)
        .where(ConsentChange.profile_id == from_profile)
        .values(profile_id=to_profile)
        .returning(ConsentChange.id)
    )
    return list(rows)


async def move_current(session: AsyncSession, ids: Sequence[int], to_profile: str) -> None:
    if ids:
        await session.execute(
            update(Consent).where(Consent.id.in_(ids)).values(profile_id=to_profile)
        )


async def move_history_back(session: AsyncSession, ids: Sequence[int], to_profile: str) -> None:
    if ids:
        await session.execute(
            update(ConsentChange).where(ConsentChange.id.in_(ids)).values(profile_id=to_profile)
        )
