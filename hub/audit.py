"""The audit log: every agent read of a profile and every write by any channel. Append-only.

Part of the shared core (it imports no domain): profiles, identity, privacy, segments and
campaigns write it, the ledger and the agent desktop read it. It looks after its own table in
whole-profile operations (hub/lifecycle.py): erasure blanks the details, a merge leaves the
rows on the profile they were about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Index, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hub.actors import Principal
from hub.db import Base, UTCDateTime, insert_tuples, utcnow
from hub.ids import BigIntId
from hub.lifecycle import Journal, Lifecycle


class AuditEntry(Base):
    """Append-only: who read or changed which profile, when, and what."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_profile_at", "profile_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))
    profile_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(500))


def register(hooks: Lifecycle) -> None:
    """The audit trail's part of whole-profile operations (registered by hub.assembly)."""
    hooks.on_erase("audit", 50, _erase, tables=["audit_log"])
    hooks.keep(
        "audit",
        "audit_log",
        "merge",
        "who saw or changed what stays recorded against the profile it was",
    )


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    await session.execute(
        update(AuditEntry).where(AuditEntry.profile_id.in_(family)).values(detail="(erased)")
    )
    return {}


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


AUDIT_COLUMNS = ("at", "actor", "channel", "profile_id", "action", "detail")  # record_many's


async def record_many(
    session: AsyncSession, *, actor: str, channel: str, rows: list[tuple[str, str, str]]
) -> None:
    """`record` for a batch — (profile id, action, detail) each — in multi-row INSERTs."""
    if not rows:
        return
    now, actor, channel = utcnow(), actor[:120], channel[:20]
    await insert_tuples(  # one statement, no ORM objects
        session,
        AuditEntry.__table__,
        AUDIT_COLUMNS,
        [
            (now, actor, channel, profile_id, action[:30], detail[:500])
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
