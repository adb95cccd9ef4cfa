"""Retention: raw events are kept only as long as their purpose needs them.

Learned interests already hold what events taught (learning happens at ingest), so deleting an
old event loses no personalisation. Two limits (settings, in days):
- RAPPORT_EVENT_RETENTION_DAYS: every raw event (unset: kept; the demo data is from 2010);
- RAPPORT_NO_ANALYTICS_RETENTION_DAYS: events of customers who refused ANALYTICS, kept only as
  long as their own service needs them (recent activity, returns, order help).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.enums import ConsentPurpose
from hub.events.models import Event
from hub.privacy.models import Consent


@dataclass(frozen=True)
class RetentionResult:
    expired: int
    no_analytics: int


async def apply(
    session: AsyncSession, event_days: int | None, no_analytics_days: int
) -> RetentionResult:
    now = utcnow()
    expired = 0
    if event_days is not None:
        result = await session.execute(
            delete(Event).where(Event.occurred_at < now - timedelta(days=event_days))
        )
        expired = int(getattr(result, "rowcount", 0) or 0)
    refused = select(Consent.profile_id).where(
        Consent.purpose == ConsentPurpose.ANALYTICS.value, Consent.granted.is_(False)
    )
    result = await session.execute(
        delete(Event).where(
            Event.profile_id.in_(refused),
            Event.occurred_at < now - timedelta(days=no_analytics_days),
        )
    )
    return RetentionResult(expired, int(getattr(result, "rowcount", 0) or 0))
