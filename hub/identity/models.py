from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow
from hub.ids import BigIntId, new_id


class Identifier(Base):
    """A normalised identifier; each (kind, value) belongs to exactly one profile."""

    __tablename__ = "identifiers"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    touchpoint: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the identifier came from a trusted source (the retailer's web site server, an
    # agent, an operator, the import) — not from a shared kiosk screen. One-time codes for the
    # shopper's ledger go only to verified contacts.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Merge(Base):
    """The merge journal: what moved from `merged_id` into `survivor_id`, so it can be split."""

    __tablename__ = "merges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    survivor_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), index=True)
    merged_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), index=True)
    touchpoint: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))
    # ids of the identifiers, notes, preferences and consents that moved, plus a snapshot
    # of the merged profile's traits and counts of events and affinities.
    moved: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    split_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdentityConflict(Base):
    """A shared-device identifier seen with two known customers: recorded, never merged."""

    __tablename__ = "identity_conflicts"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    profile_ids: Mapped[list[str]] = mapped_column(JSONType)
    touchpoint: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="OPEN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DuplicateCandidate(Base):
    """Two profiles that may be one person, queued for an agent with the evidence."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("profile_a", "profile_b", "reason"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    profile_a: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"))
    profile_b: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40))  # SAME_NAME_AND_POSTCODE, SIMILAR_EMAIL, …
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="OPEN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
