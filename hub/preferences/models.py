from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow
from hub.ids import BigIntId


class Preference(Base):
    """What the customer told us: a like or dislike of one facet value."""

    __tablename__ = "preferences"
    __table_args__ = (UniqueConstraint("profile_id", "key", "value"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"))
    key: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(200))
    like: Mapped[bool] = mapped_column(Boolean)
    weight: Mapped[float] = mapped_column(Float)
    touchpoint: Mapped[str] = mapped_column(String(20))
    # "preferences" for check boxes, or "survey:<question>" for a survey answer.
    origin: Mapped[str] = mapped_column(String(100), default="preferences")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Affinity(Base):
    """A learned interest: a decayed score kept at the time of its last event (`as_of`)."""

    __tablename__ = "affinities"
    # Keyed by (profile_id, key, value), with no surrogate id: on SQLite the table *is* that
    # B-tree (WITHOUT ROWID), so a profile's interests sit together on a few pages — one tree
    # written per new interest instead of a table and a unique index, and a profile read
    # touches a page or two instead of one per interest (migration c4e8a2f61b07).
    __table_args__ = {"sqlite_with_rowid": False}

    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    views: Mapped[int] = mapped_column(Integer, default=0)
    carts: Mapped[int] = mapped_column(Integer, default=0)
    purchases: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    last_touchpoint: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ForgottenInterest(Base):
    """The customer asked us to forget a learned interest: events up to `forgotten_at` no longer
    teach it (a later event may, as new behaviour)."""

    __tablename__ = "forgotten_interests"
    __table_args__ = (UniqueConstraint("profile_id", "key", "value"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"))
    key: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(200))
    forgotten_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
