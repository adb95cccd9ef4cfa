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

from sqlalchemy import ColumnElement, delete, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import UTCDateTime, utcnow
from hub.enums import ConsentPurpose
from hub.events.models import Event, RetiredMessage
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
        expired = await _retire(session, Event.occurred_at < now - timedelta(days=event_days))
    refused = select(Consent.profile_id).where(
        Consent.purpose == ConsentPurpose.ANALYTICS.value, Consent.granted.is_(False)
    )
    no_analytics = await _retire(
        session,
        Event.profile_id.in_(refused)
        & (Event.occurred_at < now - timedelta(days=no_analytics_days)),
    )
    return RetentionResult(expired, no_analytics)


async def _retire(session: AsyncSession, which: ColumnElement[bool]) -> int:
    """Delete events, keeping their message ids so a replay is still a duplicate."""
    await session.execute(
        insert(RetiredMessage).from_select(
            ["message_id", "retired_at"],
            select(Event.message_id, literal(utcnow(), UTCDateTime())).where(which),
        )
    )
    result = await session.execute(delete(Event).where(which))
    return int(getattr(result, "rowcount", 0) or 0)
