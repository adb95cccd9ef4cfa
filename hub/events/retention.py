"""Retention: raw events are kept only as long as their purpose needs them.

Learned interests already hold what events taught (learning happens at ingest), so deleting an
old event loses no personalisation. Two limits (settings, in days):
- RAPPORT_EVENT_RETENTION_DAYS: every raw event (unset: kept; the demo data is from 2010);
- RAPPORT_NO_ANALYTICS_RETENTION_DAYS: events of customers who refused ANALYTICS, kept only as
  long as their own service needs them (recent activity, returns, order help).

On PostgreSQL events are partitioned by month (hub/events/partitions.py): a month wholly past
the first limit is dropped as a whole partition; only the rows of the month the cut-off falls
in (and of the default partition) are deleted one by one. A deleted event's message id stays
in `event_messages`, so a replay is still a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.enums import ConsentPurpose
from hub.events import partitions
from hub.events.models import Event
from hub.privacy import consent
from hub.privacy.models import Consent


@dataclass(frozen=True)
class RetentionResult:
    expired: int
    no_analytics: int
    partitions_dropped: tuple[str, ...] = ()


async def apply(
    session: AsyncSession, event_days: int | None, no_analytics_days: int
) -> RetentionResult:
    now = utcnow()
    expired, dropped = 0, list[str]()
    if event_days is not None:
        cutoff = now - timedelta(days=event_days)
        dropped, expired = await partitions.drop_before(session, cutoff)
        expired += await _retire(session, Event.occurred_at < cutoff)
    # An answer that has run out counts as refused (hub/privacy/consent.py); so does no
    # answer at all when the policy's default for ANALYTICS is to refuse.
    analytics = Consent.purpose == ConsentPurpose.ANALYTICS.value
    in_force = Consent.granted.is_(True) & (
        Consent.expires_at.is_(None) | (Consent.expires_at > now)
    )
    without: ColumnElement[bool]
    if consent.defaults()[ConsentPurpose.ANALYTICS]:
        without = Event.profile_id.in_(select(Consent.profile_id).where(analytics & ~in_force))
    else:
        without = Event.profile_id.not_in(select(Consent.profile_id).where(analytics & in_force))
    no_analytics = await _retire(
        session, without & (Event.occurred_at < now - timedelta(days=no_analytics_days))
    )
    return RetentionResult(expired, no_analytics, tuple(dropped))


async def _retire(session: AsyncSession, which: ColumnElement[bool]) -> int:
    """Delete events (their message ids stay in `event_messages`)."""
    result = await session.execute(delete(Event).where(which))
    return int(getattr(result, "rowcount", 0) or 0)
