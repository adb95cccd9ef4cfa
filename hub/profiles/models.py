from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow
from hub.ids import BigIntId, new_id


class Profile(Base):
    """One customer. A profile merged into another stays as a tombstone that points at it."""

    __tablename__ = "profiles"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    # Lower-cased "first last" for search; kept in step by the profile service.
    search_name: Mapped[str | None] = mapped_column(String(201), index=True)
    traits: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # True once the profile holds an EMAIL, PHONE, LOYALTY_ID or CRM_ID.
    is_known: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("profiles.id"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Set when the customer was erased: the row stays only as an anonymous tombstone.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Note(Base):
    """Something an agent wrote down about the customer."""

    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_profile_created", "profile_id", "created_at"),
        # A note sent again with its messageId (its first answer lost) is stored once.
        Index("uq_notes_message_id", "message_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    touchpoint: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message_id: Mapped[str | None] = mapped_column(String(200))
