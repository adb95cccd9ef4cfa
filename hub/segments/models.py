"""Segments (named rules) and content items (what a slot shows, to everyone or to a segment)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow
from hub.ids import BigIntId


class Segment(Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(String(500))
    # The canonical JSON of the rule (hub/segments/rules/), parsed again on load.
    rule: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContentItem(Base):
    """A banner, message or offer for a slot (`kiosk-home`, `web-hero`, `next-best-action`…).

    With a segment it is shown only to its members (and only with PERSONALIZATION consent);
    without one it is the slot's fallback for everybody. Higher priority wins.
    """

    __tablename__ = "content_items"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    slot: Mapped[str] = mapped_column(String(60), index=True)
    name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    segment_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("segments.id"), index=True)
    touchpoints: Mapped[list[str]] = mapped_column(JSONType, default=list)  # empty: every one
    priority: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
