from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow
from hub.ids import BigIntId


class Consent(Base):
    """The current answer for one purpose; every answer is also kept in `consent_changes`."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("profile_id", "purpose"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    granted: Mapped[bool] = mapped_column(Boolean)
    touchpoint: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentChange(Base):
    """Append-only consent history."""

    __tablename__ = "consent_changes"
    __table_args__ = (Index("ix_consent_changes_profile", "profile_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"))
    purpose: Mapped[str] = mapped_column(String(30))
    granted: Mapped[bool] = mapped_column(Boolean)
    touchpoint: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Suppression(Base):
    """A salted hash of an erased customer's identifier: late data for them is dropped."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("kind", "value_hash"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    value_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dropped: Mapped[int] = mapped_column(Integer, default=0)
