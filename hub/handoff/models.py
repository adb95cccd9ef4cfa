"""A cart or wish list handed from one touchpoint to another under a short, single-use code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow
from hub.ids import BigIntId


class Handoff(Base):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    # Only a hash is kept: the code is a key to the shopper's list (and to greeting them).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # CART or WISHLIST
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    touchpoint: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_touchpoint: Mapped[str | None] = mapped_column(String(20))
