"""The parts of a customer profile the agent desktop shows (identifiers, preferences, consents,
events, notes, picks, segments, gift registries, orders, merges), each read from the hub's
JSON; plain data, no Textual, no I/O. The profile that holds them is in models.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Identifier:
    kind: str
    value: str


@dataclass(frozen=True)
class Preference:
    key: str
    value: str
    weight: float
    source: str
    touchpoint: str | None
    updated_at: str | None
    reason: str | None
    like: bool | None = None
    label: str | None = None

    @classmethod
    def from_json(cls, p: Mapping[str, Any]) -> Preference:
        return cls(
            key=p["key"],
            value=str(p["value"]),
            weight=float(p.get("weight") or 0.0),
            source=p.get("source") or "EXPLICIT",
            touchpoint=p.get("touchpoint"),
            updated_at=p.get("updatedAt"),
            reason=p.get("reason"),
            like=p.get("like"),
            label=p.get("label"),
        )

    @property
    def liked(self) -> bool:
        return self.like if self.like is not None else self.weight >= 0

    @property
    def shown_value(self) -> str:
        """The product or category name when the hub knows it, else the raw value."""
        return self.label or self.value


@dataclass(frozen=True)
class Consent:
    purpose: str
    granted: bool
    updated_at: str | None
    touchpoint: str | None
    is_default: bool = False  # the customer has not answered; `granted` is the default


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    touchpoint: str | None
    occurred_at: str | None
    product_sku: str | None
    product_name: str | None
    quantity: float | None
    price: float | None
    summary: str | None

    @classmethod
    def from_json(cls, e: Mapping[str, Any]) -> Event:
        product = e.get("product") or {}
        return cls(
            id=str(e.get("id", "")),
            type=e.get("type", ""),
            touchpoint=e.get("touchpoint"),
            occurred_at=e.get("occurredAt"),
            product_sku=e.get("productSku") or product.get("sku"),
            product_name=product.get("name"),
            quantity=e.get("quantity"),
            price=e.get("price"),
            summary=e.get("summary"),
        )

    @property
    def amount(self) -> float:
        if self.quantity is None or self.price is None:
            return 0.0
        return abs(self.quantity) * self.price

    def describe(self) -> str:
        if self.summary:
            return self.summary
        what = self.product_name or self.product_sku or ""
        if self.quantity is not None and what:
            what = f"{abs(self.quantity):g} × {what}"
        return " ".join(part for part in (self.type.replace("_", " ").lower(), what) if part)


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    author: str | None
    created_at: str | None

    @classmethod
    def from_json(cls, n: Mapping[str, Any]) -> Note:
        return cls(str(n["id"]), n["text"], n.get("author"), n.get("createdAt"))


@dataclass(frozen=True)
class Recommendation:
    sku: str
    name: str
    score: float | None
    reason: str | None
    recommendation_id: str | None
    kind: str | None = None  # COLLABORATIVE (cross-sell), UPSELL, REBUY, INTEREST, POPULAR

    @classmethod
    def from_json(cls, r: Mapping[str, Any]) -> Recommendation:
        product = r.get("product") or {}
        return cls(
            sku=product.get("sku", ""),
            name=product.get("name", ""),
            score=r.get("score"),
            reason=r.get("reason"),
            recommendation_id=r.get("recommendationId"),
            kind=r.get("kind"),
        )

    @property
    def kind_label(self) -> str:
        """The sales words for the pick's kind: cross-sell, up-sell, …"""
        return PICK_KINDS.get(self.kind or "", (self.kind or "").replace("_", " ").lower())


PICK_KINDS = {
    "COLLABORATIVE": "cross-sell",
    "UPSELL": "up-sell",
    "REBUY": "buy again",
    "INTEREST": "interest",
    "POPULAR": "popular",
}


@dataclass(frozen=True)
class Segment:
    id: str
    name: str
    reason: str | None
    description: str | None = None

    @classmethod
    def from_json(cls, s: Mapping[str, Any]) -> Segment:
        segment = s.get("segment") or s
        return cls(
            str(segment.get("id", "")),
            segment.get("name", ""),
            s.get("reason"),
            segment.get("description") or None,
        )


@dataclass(frozen=True)
class RegistryItem:
    sku: str
    name: str | None
    wanted: int
    bought: int
    remaining: int


@dataclass(frozen=True)
class OrderSummary:
    """Lifetime orders and returns, as the hub totals them."""

    orders: int
    purchase_lines: int
    units: int
    spent: float
    returns: int
    refunded: float
    net: float
    first_order_at: str | None
    last_order_at: str | None
    last_return_at: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OrderSummary:
        return cls(
            orders=int(data.get("orders") or 0),
            purchase_lines=int(data.get("purchaseLines") or 0),
            units=int(data.get("units") or 0),
            spent=float(data.get("spent") or 0.0),
            returns=int(data.get("returns") or 0),
            refunded=float(data.get("refunded") or 0.0),
            net=float(data.get("net") or 0.0),
            first_order_at=data.get("firstOrderAt"),
            last_order_at=data.get("lastOrderAt"),
            last_return_at=data.get("lastReturnAt"),
        )


@dataclass(frozen=True)
class GiftRegistry:
    """One of the customer's gift registries, with what guests still have to buy."""

    code: str
    title: str
    occasion: str
    event_date: str | None
    remaining: int
    items: tuple[RegistryItem, ...]

    @classmethod
    def from_json(cls, r: Mapping[str, Any]) -> GiftRegistry:
        items = tuple(
            RegistryItem(
                sku=i.get("sku", ""),
                name=(i.get("product") or {}).get("name"),
                wanted=int(i.get("wanted") or 0),
                bought=int(i.get("bought") or 0),
                remaining=int(i.get("remaining") or 0),
            )
            for i in r.get("items") or ()
        )
        return cls(
            code=r.get("code", ""),
            title=r.get("title", ""),
            occasion=r.get("occasion", ""),
            event_date=r.get("eventDate"),
            remaining=int(r.get("remaining") or sum(i.remaining for i in items)),
            items=items,
        )

    @property
    def when(self) -> str:
        """`12 Aug 2026`, or "" when the registry has no date."""
        if not self.event_date:
            return ""
        try:
            return date.fromisoformat(self.event_date[:10]).strftime("%d %b %Y")
        except ValueError:
            return self.event_date

    @property
    def is_past(self) -> bool:
        if not self.event_date:
            return False
        try:
            return date.fromisoformat(self.event_date[:10]) < date.today()
        except ValueError:
            return False


@dataclass(frozen=True)
class MergeRecord:
    """A merge-journal entry: what moved from `merged_id` into `survivor_id`."""

    id: str
    survivor_id: str
    merged_id: str
    reason: str
    touchpoint: str | None
    created_at: str | None
    split_at: str | None
    identifiers_moved: int
    events_moved: int

    @classmethod
    def from_json(cls, m: Mapping[str, Any]) -> MergeRecord:
        return cls(
            id=str(m["id"]),
            survivor_id=str(m.get("survivorId", "")),
            merged_id=str(m.get("mergedId", "")),
            reason=m.get("reason") or "",
            touchpoint=m.get("touchpoint"),
            created_at=m.get("createdAt"),
            split_at=m.get("splitAt"),
            identifiers_moved=int(m.get("identifiersMoved") or 0),
            events_moved=int(m.get("eventsMoved") or 0),
        )

    @property
    def active(self) -> bool:
        return self.split_at is None
