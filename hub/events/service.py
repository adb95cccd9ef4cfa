"""Event ingest: batched, validated as a whole, idempotent by message id, learning in the same
transaction so the next read anywhere already knows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.db import utcnow
from hub.enums import ConsentPurpose, EventType, IdentifierKind
from hub.errors import DomainError, ErrorCode, Problems
from hub.events import repository as repo
from hub.events import resolvers
from hub.events.models import Described, Event
from hub.identity import service as identity
from hub.identity.normalize import IdentifierIn, normalize_identifier
from hub.preferences import learned as preferences
from hub.preferences.learning import Weights
from hub.privacy import consent, suppression
from hub.profiles import service as profiles
from hub.words import where

MAX_MESSAGE_ID = 200
MAX_QUANTITY = 100_000
MAX_PRICE = Decimal("1000000")
MAX_PROPERTIES_DEPTH = 10
MAX_PROPERTIES_ITEMS = 200
_EARLIEST = datetime(1990, 1, 1).astimezone()


@dataclass(frozen=True)
class EventIn:
    message_id: str
    identifier: IdentifierIn
    type: EventType
    touchpoint: str
    occurred_at: datetime | None = None
    product_sku: str | None = None
    quantity: int | None = None
    price: Decimal | float | None = None
    properties: dict[str, Any] | None = None


@dataclass
class TrackResult:
    accepted: int = 0
    duplicates: int = 0
    suppressed: int = 0
    profile_ids: list[str] = field(default_factory=list)


def validate(
    events: Sequence[EventIn], max_batch: int, max_properties: int, region: str
) -> list[EventIn]:
    problems = Problems()
    if not events:
        problems.add(("events",), ErrorCode.REQUIRED, "Send at least one event.")
    if len(events) > max_batch:
        problems.add(
            ("events",),
            ErrorCode.TOO_MANY,
            f"A batch holds at most {max_batch} events; this one has {len(events)}.",
        )
    problems.raise_if_any()
    now = utcnow()
    cleaned: list[EventIn] = []
    for index, event in enumerate(events):
        at = ("events", index)
        message_id = (event.message_id or "").strip()
        if not message_id:
            problems.add((*at, "messageId"), ErrorCode.REQUIRED, "Every event needs a messageId.")
        elif len(message_id) > MAX_MESSAGE_ID:
            problems.add(
                (*at, "messageId"), ErrorCode.TOO_LONG, f"At most {MAX_MESSAGE_ID} characters."
            )
        try:
            kind = event.identifier.kind
            ident = IdentifierIn(kind, normalize_identifier(kind, event.identifier.value, region))
        except DomainError as error:
            problems.extend(error, (*at, "identifier"))
            ident = event.identifier
        occurred = event.occurred_at or now
        if occurred.tzinfo is None:
            problems.add((*at, "occurredAt"), ErrorCode.INVALID, "Give a time zone (e.g. Z).")
        elif occurred > now + timedelta(days=1) or occurred < _EARLIEST:
            problems.add(
                (*at, "occurredAt"),
                ErrorCode.OUT_OF_RANGE,
                "occurredAt must lie between 1990 and tomorrow.",
            )
        sku = (event.product_sku or "").strip() or None
        if sku is not None and len(sku) > 64:
            problems.add((*at, "productSku"), ErrorCode.TOO_LONG, "At most 64 characters.")
        if event.type in (EventType.PURCHASE, EventType.RETURN, EventType.ADD_TO_CART) and not sku:
            problems.add(
                (*at, "productSku"),
                ErrorCode.REQUIRED,
                f"A {event.type.value} event names the product it is about.",
            )
        if event.quantity is not None and not (1 <= event.quantity <= MAX_QUANTITY):
            # Returns, too, are sent with a positive quantity: the type says which way it went.
            problems.add(
                (*at, "quantity"),
                ErrorCode.OUT_OF_RANGE,
                f"Quantity must be between 1 and {MAX_QUANTITY}.",
            )
        price = _price(event.price)
        if event.price is not None and (price is None or not (0 <= price <= MAX_PRICE)):
            problems.add((*at, "price"), ErrorCode.OUT_OF_RANGE, "Price must be 0 or more.")
        props = event.properties or {}
        if not isinstance(props, dict):
            problems.add((*at, "properties"), ErrorCode.INVALID, "properties must be an object.")
            props = {}
        else:
            problem = _properties_problem(props, max_properties)
            if problem is not None:
                problems.add((*at, "properties"), *problem)
                props = {}
        cleaned.append(
            EventIn(
                message_id,
                ident,
                event.type,
                event.touchpoint,
                occurred,
                sku,
                event.quantity,
                price,
                props,
            )
        )
    problems.raise_if_any()
    return cleaned


def _properties_problem(props: dict[str, Any], max_bytes: int) -> tuple[ErrorCode, str] | None:
    """Why `props` may not be stored (too deep, too many keys, too big, not JSON), or None.

    Depth is checked first and without recursion: every later read encodes the properties
    with orjson, which refuses anything nested more than 255 levels deep.
    """
    depth, count = 0, 0
    stack: list[tuple[Any, int]] = [(props, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            if isinstance(node, float) and not math.isfinite(node):
                return ErrorCode.INVALID, "properties may not hold NaN or Infinity."
            continue
        depth, count = max(depth, level), count + len(children)
        if depth > MAX_PROPERTIES_DEPTH:
            return (
                ErrorCode.INVALID,
                f"properties nest at most {MAX_PROPERTIES_DEPTH} levels deep.",
            )
        if count > MAX_PROPERTIES_ITEMS:
            return (
                ErrorCode.TOO_LONG,
                f"properties hold at most {MAX_PROPERTIES_ITEMS} keys and items in all.",
            )
        stack.extend((child, level + 1) for child in children)
    try:
        size = len(orjson.dumps(props))
    except orjson.JSONEncodeError:
        return ErrorCode.INVALID, "properties must be plain JSON (numbers within 64 bits)."
    if size > max_bytes:
        return ErrorCode.TOO_LONG, f"properties are at most {max_bytes} bytes."
    return None


def _price(value: Decimal | float | None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


async def track(
    session: AsyncSession,
    events: Sequence[EventIn],
    *,
    region: str,
    weights: Weights,
    max_batch: int,
    max_properties: int,
    validated: bool = False,
) -> TrackResult:
    """Store a batch of events once; learn from them unless PERSONALIZATION is withdrawn.

    `validated`: the events are already what `validate` returned (the importer checks each
    line on its own, to name a bad one by its number).
    """
    cleaned = list(events) if validated else validate(events, max_batch, max_properties, region)
    cleaned, dropped = await resolvers.resolve(session, cleaned)  # e.g. a response code's owner
    result = TrackResult(suppressed=dropped)
    seen = await repo.existing_message_ids(session, {e.message_id for e in cleaned})
    erased = await suppression.suppressed(
        session, list({(e.identifier.kind.value, e.identifier.value) for e in cleaned})
    )
    fresh: list[EventIn] = []
    for event in cleaned:
        if (event.identifier.kind.value, event.identifier.value) in erased:
            result.suppressed += 1
            continue
        if event.message_id in seen:
            result.duplicates += 1
            continue
        seen.add(event.message_id)
        fresh.append(event)
    if not fresh:
        return result

    owners = await _owners(session, fresh)
    products = await catalog.products(session, {e.product_sku for e in fresh if e.product_sku})
    personal = await consent.allowed(
        session, list({pid for pid, _ in owners.values()}), ConsentPurpose.PERSONALIZATION
    )
    rows: list[dict[str, Any]] = []
    observations: list[preferences.Observation] = []
    received = utcnow()
    for event in fresh:
        profile_id, identifier_id = owners[(event.identifier.kind.value, event.identifier.value)]
        assert event.occurred_at is not None
        rows.append(
            {
                "message_id": event.message_id,
                "profile_id": profile_id,
                "identifier_id": identifier_id,
                "type": event.type.value,
                "touchpoint": event.touchpoint,
                "occurred_at": event.occurred_at,
                "received_at": received,
                "product_sku": event.product_sku,
                "quantity": event.quantity,
                "price": event.price,
                "properties": event.properties or {},
            }
        )
        product = products.get(event.product_sku or "")
        if product is not None and personal.get(profile_id, True):
            observations.append(
                preferences.Observation(
                    profile_id=profile_id,
                    event_type=event.type,
                    sku=product.sku,
                    category=product.category_slug,
                    tags=tuple(product.tags or ()),
                    quantity=event.quantity,
                    at=event.occurred_at,
                    touchpoint=event.touchpoint,
                )
            )
    await repo.insert_many(session, rows)
    await preferences.learn(session, observations, weights)
    result.accepted = len(rows)

    by_profile: dict[str, list[EventIn]] = {}
    for event, row in zip(fresh, rows, strict=True):
        by_profile.setdefault(row["profile_id"], []).append(event)
    await profiles.touch_many(
        session,
        [
            (profile_id, batch[-1].touchpoint, "EVENTS", _summary(batch, products))
            for profile_id, batch in by_profile.items()
        ],
    )
    result.profile_ids = list(by_profile)
    return result


async def _owners(
    session: AsyncSession, events: Sequence[EventIn]
) -> dict[tuple[str, str], tuple[str, int]]:
    """(kind, value) → (profile id, identifier id); unknown identifiers get a new profile."""
    pairs = list(dict.fromkeys((e.identifier.kind.value, e.identifier.value) for e in events))
    # For update, not shared: the batch goes on to update the profile (version, interests), and
    # two batches that both held it shared would each wait for the other to let go.
    found = {(r.kind, r.value): r for r in await identity.locked_owners(session, pairs)}
    missing = [pair for pair in pairs if pair not in found]
    first_seen: dict[tuple[str, str], EventIn] = {}
    for event in events:
        first_seen.setdefault((event.identifier.kind.value, event.identifier.value), event)
    created = await identity.attach_new(
        session,
        [(IdentifierIn(IdentifierKind(k), v), first_seen[(k, v)].touchpoint) for k, v in missing],
    )
    found.update({(r.kind, r.value): r for r in created})
    return {pair: (found[pair].profile_id, found[pair].id) for pair in pairs}


_VERBS = {
    EventType.VIEW: "Viewed",
    EventType.SEARCH: "Searched",
    EventType.ADD_TO_CART: "Added to basket",
    EventType.PURCHASE: "Bought",
    EventType.RETURN: "Returned",
    EventType.SAMPLE: "Sampled",
    EventType.CALL: "Called",
    EventType.SURVEY: "Answered a survey",
    EventType.RECOMMENDATION_SHOWN: "Was shown picks",
    EventType.RECOMMENDATION_CLICKED: "Clicked a pick",
    EventType.RECOMMENDATION_REJECTED: "Turned down",
    EventType.NEXT_BEST_ACTION_ACCEPTED: "Took up a suggestion",
    EventType.NEXT_BEST_ACTION_REJECTED: "Declined a suggestion",
    EventType.CAMPAIGN_RESPONSE: "Answered a mailing",
}


def describe(event: Described, product_name: str | None = None) -> str:
    """One stored event in plain words, e.g. “Bought 12 × Regency Teacup on the web site”."""
    verb = _VERBS[EventType(event.type)]
    what = ""
    if event.product_sku:
        name = product_name or event.product_sku
        what = f" {abs(event.quantity)} × {name}" if event.quantity else f" {name}"
    if event.type == EventType.SEARCH.value and (event.properties or {}).get("query"):
        what = f" for “{str(event.properties['query'])[:60]}”"
    return f"{verb}{what} {where(event.touchpoint)}".strip()


def _summary(batch: Sequence[EventIn], products: dict[str, Any]) -> str:
    last = batch[-1]
    product = products.get(last.product_sku or "")
    what = (
        f" {product.name}"
        if product is not None
        else (f" {last.product_sku}" if last.product_sku else "")
    )
    text = f"{_VERBS[last.type]}{what} {where(last.touchpoint)}".strip()
    if len(batch) > 1:
        text += f" (+{len(batch) - 1} more event{'s' if len(batch) > 2 else ''})"
    return text


async def recent_for(
    session: AsyncSession, profile_ids: Sequence[str], limit: int, types: Sequence[str] = ()
) -> list[Event]:
    return await repo.recent_for(session, profile_ids, limit, types)


async def purchase_lines(
    session: AsyncSession, profile_id: str, until: datetime | None = None
) -> list[tuple[str, datetime]]:
    """What a customer bought and when (the recommender's repeat-purchase habits)."""
    return await repo.purchase_lines(session, profile_id, until)


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
