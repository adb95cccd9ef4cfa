"""The audit log: every agent read of a profile and every write by any channel. Append-only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Principal
from hub.db import utcnow
from hub.privacy.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    actor: str,
    channel: str,
    profile_id: str | None,
    action: str,
    detail: str,
) -> None:
    session.add(
        AuditEntry(
            at=utcnow(),
            actor=actor[:120],
            channel=channel[:20],
            profile_id=profile_id,
            action=action[:30],
            detail=detail[:500],
        )
    )


def agent_read(
    session: AsyncSession,
    by: Principal | None,
    profile_ids: Sequence[str],
    detail: str,
    action: str = "READ",
) -> None:
    """Agents' reads are on record, one row per profile read; a key's or a shopper's are not."""
    if by is None or by.agent_username is None:
        return
    for profile_id in profile_ids:
        record(
            session,
            actor=by.actor,
            channel=by.channel.value,
            profile_id=profile_id,
            action=action,
            detail=detail,
        )


async def record_many(
    session: AsyncSession, *, actor: str, channel: str, rows: list[tuple[str, str, str]]
) -> None:
    """`record` for a batch — (profile id, action, detail) each — in multi-row INSERTs."""
    if not rows:
        return
    now = utcnow()
    await session.execute(
        insert(cast(Table, AuditEntry.__table__)),  # Core: one executemany, no ORM bulk path
        [
            {
                "at": now,
                "actor": actor[:120],
                "channel": channel[:20],
                "profile_id": profile_id,
                "action": action[:30],
                "detail": detail[:500],
            }
            for profile_id, action, detail in rows
        ],
    )


async def entries(session: AsyncSession, profile_id: str | None, limit: int) -> list[AuditEntry]:
    query = select(AuditEntry)
    if profile_id is not None:
        query = query.where(AuditEntry.profile_id == profile_id)
    rows = await session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    return list(rows)
