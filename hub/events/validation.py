"""What an event must be before it is stored: each field checked, identifiers normalised, a
batch refused as a whole when any of its events is wrong."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from hub.db import utcnow
from hub.enums import EventType
from hub.errors import (
    CONTROL_CHARACTERS,
    NUL,
    DomainError,
    ErrorCode,
    Problems,
    check_message_id,
    has_control_characters,
)
from hub.identity.normalize import IdentifierIn, normalize_identifier
from hub.ids import sku_in_recommendation_id

# Events about a pick: one sent back without productSku names it by its recommendationId.
_ABOUT_A_PICK = frozenset(
    {
        EventType.RECOMMENDATION_SHOWN,
        EventType.RECOMMENDATION_CLICKED,
        EventType.RECOMMENDATION_REJECTED,
    }
)
MAX_QUANTITY = 100_000
MAX_PRICE = Decimal("1000000")
MAX_PROPERTIES_DEPTH = 10
MAX_PROPERTIES_ITEMS = 200
# (in UTC, as the times compared with it are: comparing two times of one time zone object
# skips asking each for its offset)
_EARLIEST = datetime(1990, 1, 1).astimezone().astimezone(UTC)
# Normalising is pure, and a batch names the same customers and visitors again and again
# (a phone number costs ~20 µs to parse); a refused value raises afresh every time.
_normalized = functools.lru_cache(maxsize=1 << 16)(normalize_identifier)


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
    latest = now + timedelta(days=1)
    cleaned: list[EventIn] = []
    for index, event in enumerate(events):
        at = ("events", index)
        message_id = (event.message_id or "").strip()
        if not message_id:
            problems.add((*at, "messageId"), ErrorCode.REQUIRED, "Every event needs a messageId.")
        else:
            check_message_id(message_id, (*at, "messageId"), problems)
        try:
            kind = event.identifier.kind
            ident = IdentifierIn(kind, _normalized(kind, event.identifier.value, region))
        except DomainError as error:
            problems.extend(error, (*at, "identifier"))
            ident = event.identifier
        occurred = event.occurred_at or now
        if occurred.tzinfo is None:
            problems.add((*at, "occurredAt"), ErrorCode.INVALID, "Give a time zone (e.g. Z).")
        elif occurred > latest or occurred < _EARLIEST:
            problems.add(
                (*at, "occurredAt"),
                ErrorCode.OUT_OF_RANGE,
                "occurredAt must lie between 1990 and tomorrow.",
            )
        sku = (event.product_sku or "").strip() or None
        if sku is None and event.type in _ABOUT_A_PICK and isinstance(event.properties, dict):
            # Sent back with the pick's id alone: the id names the product (`hub.ids`).
            sku = sku_in_recommendation_id(event.properties.get("recommendationId"))
        if sku is not None and len(sku) > 64:
            problems.add((*at, "productSku"), ErrorCode.TOO_LONG, "At most 64 characters.")
        elif sku is not None and has_control_characters(sku):
            problems.add((*at, "productSku"), ErrorCode.INVALID, CONTROL_CHARACTERS)
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
            problems.add(
                (*at, "price"),
                ErrorCode.OUT_OF_RANGE,
                f"Price must be between 0 and {MAX_PRICE:,}.",
            )
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
    if not props:
        return None  # {}: one level, no keys, two bytes
    depth, count = 0, 0
    stack: list[tuple[Any, int]] = [(props, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            if any(NUL in key for key in node):
                return ErrorCode.INVALID, "properties may not hold NUL characters."
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            if isinstance(node, float) and not math.isfinite(node):
                return ErrorCode.INVALID, "properties may not hold NaN or Infinity."
            if isinstance(node, str) and NUL in node:
                return ErrorCode.INVALID, "properties may not hold NUL characters."
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
