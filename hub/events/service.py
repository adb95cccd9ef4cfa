"""Event ingest: batched, validated as a whole, idempotent by message id, learning in the same
transaction so the next read anywhere already knows (validation.py checks a batch, ingest.py
stores it); and what the other domains read of the events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.enums import EventType, member
from hub.errors import MAX_MESSAGE_ID
from hub.events import repository as repo
from hub.events.ingest import VERBS, track
from hub.events.models import Described, Event
from hub.events.validation import (
    MAX_PRICE,
    MAX_PROPERTIES_DEPTH,
    MAX_PROPERTIES_ITEMS,
    MAX_QUANTITY,
    EventIn,
    TrackResult,
    validate,
)
from hub.reads import Read
from hub.words import where

# What other domains count of the events (segments' rules), by profile.
count_by_profile = repo.count_by_profile
spend_by_profile = repo.spend_by_profile

__all__ = [
    "MAX_MESSAGE_ID",
    "MAX_PRICE",
    "MAX_PROPERTIES_DEPTH",
    "MAX_PROPERTIES_ITEMS",
    "MAX_QUANTITY",
    "EventIn",
    "OrderSummary",
    "TrackResult",
    "count_by_profile",
    "describe",
    "order_summary",
    "recent_for",
    "spend_by_profile",
    "track",
    "trade_lines",
    "validate",
]


def describe(event: Described, product_name: str | None = None) -> str:
    """One stored event in plain words, e.g. “Bought 12 × Regency Teacup on the web site”."""
    verb = VERBS[member(EventType, event.type)]
    what = ""
    if event.product_sku:
        name = product_name or event.product_sku
        what = f" {abs(event.quantity)} × {name}" if event.quantity else f" {name}"
    if event.type == EventType.SEARCH.value and (event.properties or {}).get("query"):
        what = f" for “{str(event.properties['query'])[:60]}”"
    return f"{verb}{what} {where(event.touchpoint)}".strip()


async def recent_for(
    session: AsyncSession, profile_ids: Sequence[str], limit: int, types: Sequence[str] = ()
) -> list[Event]:
    return await repo.recent_for(session, profile_ids, limit, types)


def trade_lines(
    profile_id: str, until: datetime
) -> Read[tuple[list[tuple[str, datetime]], dict[str, int]]]:
    """A customer's purchase lines (sku, moment) up to `until`, and how many lines of each
    product they sent back: every stored RETURN event, whether or not it was learned from (the
    picks never offer again what was sent back as often as it was bought;
    `recs.engine.shopper_from`)."""
    return repo.trade_lines(profile_id, until)


@dataclass(frozen=True)
class OrderSummary:
    """A customer's lifetime purchases and returns (what an agent quotes on the phone)."""

    orders: int
    purchase_lines: int
    units: int
    spent: float
    returns: int
    returned_units: int
    refunded: float
    first_order_at: datetime | None
    last_order_at: datetime | None
    last_return_at: datetime | None

    @property
    def net(self) -> float:
        return self.spent - self.refunded


async def order_summary(session: AsyncSession, profile_id: str) -> OrderSummary:
    found = await repo.order_summary(session, profile_id)
    bought = found.get(EventType.PURCHASE.value, {})
    returned = found.get(EventType.RETURN.value, {})
    return OrderSummary(
        orders=bought.get("orders", 0),
        purchase_lines=bought.get("lines", 0),
        units=bought.get("units", 0),
        spent=round(bought.get("value", 0.0), 2),
        returns=returned.get("orders", 0),
        returned_units=returned.get("units", 0),
        refunded=round(returned.get("value", 0.0), 2),
        first_order_at=bought.get("first"),
        last_order_at=bought.get("last"),
        last_return_at=returned.get("last"),
    )
