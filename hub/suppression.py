"""Suppression: an erased customer's identifiers, kept only as keyed hashes, are never used
again. A leaf of the shared core (it imports no domain): identity, ingest and erasure use it
without importing each other. The table holds no profile id, so no whole-profile operation
touches it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hub import reads
from hub.db import Base, UTCDateTime, in_list, utcnow
from hub.ids import BigIntId
from hub.reads import Read
from hub.settings import get_settings


class Suppression(Base):
    """A salted hash of an erased customer's identifier: late data for them is dropped."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("kind", "value_hash"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    value_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dropped: Mapped[int] = mapped_column(Integer, default=0)


_PEPPER = b"rapport-suppression-v1:"
SUPPRESSED_KINDS = frozenset({"EMAIL", "PHONE", "LOYALTY_ID", "CRM_ID"})


def identifier_hash(kind: str, value: str) -> str:
    # Keyed (HMAC): without RAPPORT_SECRET_KEY a 5-digit CRM id or a mobile number could be
    # found again by trying them all.
    key = _PEPPER + get_settings().secret_key.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


async def suppressed(
    session: AsyncSession, pairs: Sequence[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these normalised identifiers belong to an erased customer (each one found
    counted as dropped)."""
    hits: set[tuple[str, str]]
    (hits,) = await reads.fetch_in_session(session, [among(session, pairs)])
    await count_dropped(session, hits)
    return hits


def among(session: AsyncSession, pairs: Sequence[tuple[str, str]]) -> Read[set[tuple[str, str]]]:
    """Which of these normalised identifiers belong to an erased customer, as a read to
    gather with a write's others (`reads.fetch_in_session`); `count_dropped` afterwards."""
    hashed = {identifier_hash(k, v): (k, v) for k, v in pairs if k in SUPPRESSED_KINDS}
    statements = reads.chunked(session, _hashes_among, "hashes", list(hashed))
    return Read(statements, lambda rows: {hashed[digest] for part in rows for (digest,) in part})


@cache
def _hashes_among(dialect: str) -> Any:
    column = Suppression.__table__.c.value_hash
    return select(column).where(in_list(column, "hashes", dialect))


async def count_dropped(session: AsyncSession, pairs: Collection[tuple[str, str]]) -> None:
    """Late data for these suppressed identifiers was dropped: one more on each one's count."""
    if not pairs:
        return
    digests = [identifier_hash(k, v) for k, v in pairs]
    # One statement that adds to what is stored: writes at once each count (read, then set,
    # two of them counted one).
    await session.execute(
        update(Suppression)
        .where(Suppression.value_hash.in_(digests))
        .values(dropped=func.coalesce(Suppression.dropped, 0) + 1)
        .execution_options(synchronize_session=False)
    )


async def suppress(session: AsyncSession, pairs: Sequence[tuple[str, str]]) -> None:
    """On erasure: these (kind, value) identifiers are not used again (once each)."""
    for kind, value in pairs:
        if kind not in SUPPRESSED_KINDS:
            continue
        digest = identifier_hash(kind, value)
        exists = await session.scalar(
            select(Suppression.id).where(Suppression.kind == kind, Suppression.value_hash == digest)
        )
        if exists is None:
            session.add(Suppression(kind=kind, value_hash=digest, created_at=utcnow(), dropped=0))
