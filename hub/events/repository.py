"""All SQL about events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import reads
from hub.catalog.models import Product
from hub.db import in_list, insert_tuples
from hub.events.models import Event, EventMessage
from hub.reads import Read

_CHUNK = 500
_IDS_CHUNK = 5000  # message ids a statement (an import chunk in one or two)


async def existing_message_ids(session: AsyncSession, message_ids: Collection[str]) -> set[str]:
    """The ids already stored (or stored once and since deleted): one primary-key probe each,
    whichever month partition the event went to."""
    found: set[str]
    (found,) = await reads.fetch_in_session(session, [stored_message_ids(session, message_ids)])
    return found


def stored_message_ids(session: AsyncSession, message_ids: Collection[str]) -> Read[set[str]]:
    """`existing_message_ids` as a read to gather with a write's others, its statement
    compiled once (`db.in_list`): SQLAlchemy's building and execution of it cost a kiosk's
    one-event write more than SQLite's search."""
    statements = reads.chunked(session, _seen, "ids", list(message_ids), _IDS_CHUNK)
    return Read(statements, lambda rows: {row[0] for part in rows for row in part})


@cache
def _seen(dialect: str) -> Any:
    column = cast(Table, EventMessage.__table__).c.message_id
    return select(column).where(in_list(column, "ids", dialect))


# What `insert_many` takes a value of for each event, in this order.
EVENT_COLUMNS = (
    "message_id",
    "profile_id",
    "identifier_id",
    "type",
    "touchpoint",
    "occurred_at",
    "received_at",
    "product_sku",
    "quantity",
    "price",
    "properties",
)


async def insert_many(session: AsyncSession, rows: Sequence[Sequence[Any]]) -> None:
    """Events in one statement (`db.insert_tuples`: COPY on PostgreSQL, straight to the driver
    on SQLite), a value for each of EVENT_COLUMNS a row (NULLs written as such), so one
    statement serves a batch that mixes views and purchases."""
    await insert_tuples(session, Event.__table__, EVENT_COLUMNS, rows)


async def recent_for(
    session: AsyncSession, profile_ids: Sequence[str], limit: int, types: Collection[str] = ()
) -> list[Event]:
    query = select(Event).where(Event.profile_id.in_(profile_ids))
    if types:
        query = query.where(Event.type.in_(list(types)))
    rows = await session.scalars(
        query.order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit)
    )
    return list(rows)


_TRADE_LINES = select(Event.product_sku, Event.occurred_at, Event.type).where(
    Event.profile_id == bindparam("profile_id"),
    # Two comparisons, not IN: the read runs straight on the driver, without SQLAlchemy's
    # expanding of an IN list.
    or_(Event.type == "PURCHASE", Event.type == "RETURN"),
    Event.product_sku.is_not(None),
    Event.occurred_at <= bindparam("until"),
)


def trade_lines(
    profile_id: str, until: datetime
) -> Read[tuple[list[tuple[str, datetime]], dict[str, int]]]:
    """(sku, moment) of every purchase line of a profile up to `until`, and sku → how many
    return lines, in one statement (one walk of the profile's events), as a read to gather
    with others."""

    def split(rows: Sequence[Sequence[Any]]) -> tuple[list[tuple[str, datetime]], dict[str, int]]:
        bought: list[tuple[str, datetime]] = []
        returned: dict[str, int] = {}
        for sku, at, kind in rows[0]:
            if sku is None:
                continue
            if kind == "PURCHASE":
                bought.append((sku, at))
            else:
                returned[sku] = returned.get(sku, 0) + 1
        return bought, returned

    return Read(((_TRADE_LINES, {"profile_id": profile_id, "until": until}),), split)


async def move_all(session: AsyncSession, from_profile: str, to_profile: str) -> int:
    result = await session.execute(
        update(Event).where(Event.profile_id == from_profile).values(profile_id=to_profile)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def count_by_profile(
    session: AsyncSession,
    profile_ids: Sequence[str],
    *,
    type: str | None,
    since: datetime | None,
    touchpoint: str | None,
    category: str | None,
    product_sku: str | None,
    until: datetime | None = None,
) -> dict[str, int]:
    """How many matching events each profile has (absent: none); with `until`, only those
    that had happened by then."""
    query = select(Event.profile_id, func.count()).where(Event.profile_id.in_(profile_ids))
    if type:
        query = query.where(Event.type == type)
    if since is not None:
        query = query.where(Event.occurred_at >= since)
    if until is not None:
        query = query.where(Event.occurred_at <= until)
    if touchpoint:
        query = query.where(Event.touchpoint == touchpoint)
    if product_sku:
        query = query.where(Event.product_sku == product_sku)
    if category:
        query = query.join(Product, Product.sku == Event.product_sku).where(
            Product.category_slug == category
        )
    rows = await session.execute(query.group_by(Event.profile_id))
    return {profile_id: int(count) for profile_id, count in rows}


async def spend_by_profile(
    session: AsyncSession,
    profile_ids: Sequence[str],
    since: datetime | None,
    until: datetime | None = None,
) -> dict[str, float]:
    """Purchases less returns (price × quantity, both counted positive) per profile; with
    `until`, only those that had happened by then."""
    value = func.coalesce(Event.price, 0) * func.abs(func.coalesce(Event.quantity, 1))
    signed = case((Event.type == "RETURN", -value), else_=value)
    query = select(Event.profile_id, func.sum(signed)).where(
        Event.profile_id.in_(profile_ids), Event.type.in_(("PURCHASE", "RETURN"))
    )
    if since is not None:
        query = query.where(Event.occurred_at >= since)
    if until is not None:
        query = query.where(Event.occurred_at <= until)
    rows = await session.execute(query.group_by(Event.profile_id))
    return {profile_id: float(total or 0) for profile_id, total in rows}


async def order_summary(session: AsyncSession, profile_id: str) -> dict[str, Any]:
    """Lifetime purchases and returns of one profile, in one grouped query."""
    order_key = func.coalesce(
        Event.properties["orderId"].as_string(),
        Event.properties["invoice"].as_string(),
        Event.message_id,
    )
    value = func.coalesce(Event.price, 0) * func.abs(func.coalesce(Event.quantity, 1))
    rows = await session.execute(
        select(
            Event.type,
            func.count(),
            func.count(func.distinct(order_key)),
            func.sum(func.abs(func.coalesce(Event.quantity, 1))),
            func.sum(value),
            func.min(Event.occurred_at),
            func.max(Event.occurred_at),
        )
        .where(Event.profile_id == profile_id, Event.type.in_(("PURCHASE", "RETURN")))
        .group_by(Event.type)
    )
    return {
        kind: {
            "lines": int(lines),
            "orders": int(orders),
            "units": int(units or 0),
            "value": float(total or 0),
            "first": first,
            "last": last,
        }
        for kind, lines, orders, units, total, first, last in rows
    }
