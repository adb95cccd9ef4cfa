from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow
from hub.ids import BigIntId


class Event(Base):
    """An append-only record of something the customer did at a touchpoint.

    On PostgreSQL the table is partitioned by month of `occurred_at` (hub/events/partitions.py),
    so its primary key is (id, occurred_at) there; `id` alone is unique all the same (one
    sequence). A message id is unique through `event_messages`, which a trigger on this table
    fills (migration 5d1c0e7a9b42): a later batch migration on SQLite must create it again.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_profile_occurred", "profile_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(200))
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


class EventMessage(Base):
    """Every message id ever stored, kept when its event is deleted (retention, erasure, a
    dropped partition): a replay is a duplicate whatever its occurredAt, and two hubs storing
    the same message at once collide here (a unique-key race, retried as a duplicate).
    Written by the database (a trigger on `events`), never by the hub."""

    __tablename__ = "event_messages"

    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class Described(Protocol):
    """What a summary needs of a stored event (an ORM row or the profile read's plain one)."""

    @property
    def type(self) -> str: ...
    @property
    def product_sku(self) -> str | None: ...
    @property
    def quantity(self) -> int | None: ...
    @property
    def properties(self) -> dict[str, Any]: ...
    @property
    def touchpoint(self) -> str: ...
