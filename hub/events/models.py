from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow
from hub.ids import BigIntId


class Event(Base):
    """An append-only record of something the customer did at a touchpoint."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_profile_occurred", "profile_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"))
    # The identifier the event was sent with: a split sends the event back with it.
    identifier_id: Mapped[int | None] = mapped_column(ForeignKey("identifiers.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    touchpoint: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    product_sku: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    properties: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class RetiredMessage(Base):
    """The message id of an event deleted by retention: a replay must still change nothing."""

    __tablename__ = "retired_messages"

    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
