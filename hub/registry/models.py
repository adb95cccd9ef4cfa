"""A gift registry: what a customer hopes to be given, and how much of it guests have bought."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow
from hub.ids import BigIntId


class GiftRegistry(Base):
    __tablename__ = "gift_registries"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    occasion: Mapped[str] = mapped_column(String(40))
    event_date: Mapped[date | None] = mapped_column(Date)
    touchpoint: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GiftRegistryItem(Base):
    """One wanted product; `bought` only ever rises, guarded so it never passes `wanted`."""

    __tablename__ = "gift_registry_items"
    __table_args__ = (UniqueConstraint("registry_id", "sku"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    registry_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("gift_registries.id"))
    sku: Mapped[str] = mapped_column(String(64), ForeignKey("products.sku"))
    wanted: Mapped[int] = mapped_column(Integer)
    bought: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


class GiftRegistryPurchase(Base):
    """One guest's purchase from a registry; its message id makes a retried buy count once.

    The buyer stays private to the hub: the registry shows counts, never who gave what.
    """

    __tablename__ = "gift_registry_purchases"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    registry_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("gift_registries.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    buyer_profile_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("profiles.id"), index=True
    )
    touchpoint: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
