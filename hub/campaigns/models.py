"""Direct-marketing campaigns and their frozen audiences (recipients, control group, codes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow
from hub.ids import BigIntId


class Campaign(Base):
    """A mailing to a segment for one marketing purpose (its channel), run once."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    segment_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("segments.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))  # MARKETING_EMAIL / _SMS / _POST
    content_slot: Mapped[str | None] = mapped_column(String(60))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    control_percent: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="DRAFT")  # DRAFT, RUN
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignRecipient(Base):
    """One customer of a run campaign's audience, as frozen at the run. The control group gets
    nothing, but has a code too, so that one turning up anyway is recognised (and refused)."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (UniqueConstraint("campaign_id", "profile_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("campaigns.id"))
    profile_id: Mapped[str] = mapped_column(String(32), ForeignKey("profiles.id"), index=True)
    control: Mapped[bool] = mapped_column(Boolean)
    response_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The segment's reason at the run ("You spent £120.00 in all").
    reason: Mapped[str] = mapped_column(String(300), default="")
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_touchpoint: Mapped[str | None] = mapped_column(String(20))
