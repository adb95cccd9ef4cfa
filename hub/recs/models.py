from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow
from hub.ids import new_id


class RecModel(Base):
    """A trained recommendation model; the newest active one serves."""

    __tablename__ = "rec_models"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    n_users: Mapped[int] = mapped_column(Integer)
    n_items: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[str]] = mapped_column(JSONType, default=list)
    popular: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Items whose coming half-year was dead a year before (`model.out_of_season`).
    out_of_season: Mapped[list[str]] = mapped_column(
        JSONType, default=list, server_default=text("'[]'")
    )
    # The item × item weights, float32, as a compressed .npz; loaded only when serving.
    weights: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # The learned re-ranker (hub/recs/ranker_training.py) as a compressed .npz, when the
    # store had enough customers with later purchases to learn one; loaded only when serving.
    ranker: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    seconds: Mapped[float] = mapped_column(default=0.0)
