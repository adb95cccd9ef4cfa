"""Plain data the agent desktop shows, parsed from the hub's JSON; no Textual, no I/O.

Every field beyond the core contract is optional: a hub that lacks it leaves it `None`, and the
panel that shows it stays hidden instead of showing made-up data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

JSON = Mapping[str, Any]


@dataclass(frozen=True)
class UserError:
    field: tuple[str, ...]
    code: str
    message: str

    @classmethod
    def from_json(cls, data: JSON) -> UserError:
        return cls(tuple(data.get("field") or ()), str(data.get("code", "")), data["message"])

    @property
    def field_name(self) -> str:
        """The innermost field the error is about ("" for the whole form)."""
        names = [part for part in self.field if not part.isdigit()]
        return names[-1] if names else ""


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


@dataclass(frozen=True)
class Recommendation:
    sku: str
    name: str
    score: float | None
    reason: str | None
    recommendation_id: str | None
    kind: str | None = None  # COLLABORATIVE (cross-sell), UPSELL, REBUY, INTEREST, POPULAR

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
    def from_json(cls, data: JSON) -> OrderSummary:
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

    @property
    def active(self) -> bool:
        return self.split_at is None


@dataclass
class Profile:
    id: str
    first_name: str | None
    last_name: str | None
    display_name: str | None
    version: int | None
    greeting: str | None = None
    salutation: str | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    preferences: list[Preference] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    notes: list[Note] | None = None
    segments: list[Segment] | None = None
    recommendations: list[Recommendation] | None = None
    merges: list[MergeRecord] | None = None
    gift_registries: list[GiftRegistry] | None = None
    order_summary: OrderSummary | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    complete: bool = True  # False for a search hit: enough to list, not to show

    @classmethod
    def from_json(cls, data: JSON) -> Profile:
        known = {
            "id", "firstName", "lastName", "displayName", "version", "greeting", "salutation",
            "identifiers",
            "preferences", "consents", "recentEvents", "notes", "segments", "recommendations",
            "merges", "giftRegistries", "orderSummary",
        }  # fmt: skip
        return cls(
            id=str(data["id"]),
            first_name=data.get("firstName"),
            last_name=data.get("lastName"),
            display_name=data.get("displayName"),
            version=data.get("version"),
            greeting=data.get("greeting"),
            salutation=data.get("salutation"),
            identifiers=[Identifier(i["kind"], i["value"]) for i in data.get("identifiers") or ()],
            preferences=[_preference(p) for p in data.get("preferences") or ()],
            consents=[
                Consent(
                    c["purpose"],
                    bool(c["granted"]),
                    c.get("updatedAt"),
                    c.get("touchpoint"),
                    bool(c.get("isDefault")),
                )
                for c in data.get("consents") or ()
            ],
            events=[_event(e) for e in data.get("recentEvents") or ()],
            notes=_optional(data, "notes", _note),
            segments=_optional(data, "segments", _segment),
            recommendations=_optional(data, "recommendations", _recommendation),
            merges=_optional(data, "merges", _merge),
            gift_registries=_optional(data, "giftRegistries", _registry),
            order_summary=(
                OrderSummary.from_json(data["orderSummary"]) if data.get("orderSummary") else None
            ),
            extra={k: v for k, v in data.items() if k not in known},
        )

    @property
    def name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return self.display_name or full or "Unnamed customer"

    @property
    def greeting_line(self) -> str:
        """What the agent can say: "Hello Mrs Smith, welcome back"."""
        address = self.salutation or self.first_name
        return f"Hello {address}, welcome back" if address else "Hello, welcome back"

    def identifier(self, *kinds: str) -> str | None:
        for kind in kinds:
            for ident in self.identifiers:
                if ident.kind == kind:
                    return ident.value
        return None

    @property
    def best_identifier(self) -> Identifier | None:
        """The identifier events are sent with: the most durable one the profile has."""
        for kind in ("CRM_ID", "LOYALTY_ID", "EMAIL", "PHONE", "DEVICE_ID", "ANONYMOUS_ID"):
            for ident in self.identifiers:
                if ident.kind == kind:
                    return ident
        return self.identifiers[0] if self.identifiers else None

    def consent(self, purpose: str) -> Consent | None:
        return next((c for c in self.consents if c.purpose == purpose), None)

    @property
    def explicit(self) -> list[Preference]:
        return [p for p in self.preferences if p.source == "EXPLICIT"]

    @property
    def learned(self) -> list[Preference]:
        ranked = [p for p in self.preferences if p.source != "EXPLICIT"]
        return sorted(ranked, key=lambda p: -abs(p.weight))

    @property
    def orders(self) -> list[Event]:
        return [e for e in self.events if e.type in ("PURCHASE", "RETURN")]

    def order_totals(self) -> tuple[float, float]:
        """Spend and refunds over the events shown (a recent window, not a lifetime value)."""
        spent = sum(e.amount for e in self.events if e.type == "PURCHASE")
        returned = sum(e.amount for e in self.events if e.type == "RETURN")
        return spent, returned


def touchpoint_label(touchpoint: str | None) -> str:
    labels = {"WEB": "web", "KIOSK": "kiosk", "CALL_CENTER": "call", "STORE": "store"}
    if not touchpoint:
        return ""
    return labels.get(touchpoint, touchpoint.replace("_", " ").lower())


def short_time(stamp: str | None, now: datetime | None = None) -> str:
    """`14:05` today, `23 Nov 14:05` this year, `17 Aug 2010` before: at most 12 cells."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp[:12]
    if moment.tzinfo is not None:
        moment = moment.astimezone()  # the agent's local time
    now = now or datetime.now(moment.tzinfo)
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    if moment.year == now.year:
        return moment.strftime("%d %b %H:%M")
    return moment.strftime("%d %b %Y")


def _optional(data: JSON, key: str, parse: Any) -> list[Any] | None:
    if key not in data or data[key] is None:
        return None
    return [parse(item) for item in data[key]]


def _preference(p: JSON) -> Preference:
    return Preference(
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


def _event(e: JSON) -> Event:
    product = e.get("product") or {}
    return Event(
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


def _note(n: JSON) -> Note:
    return Note(str(n["id"]), n["text"], n.get("author"), n.get("createdAt"))


def _segment(s: JSON) -> Segment:
    segment = s.get("segment") or s
    return Segment(
        str(segment.get("id", "")),
        segment.get("name", ""),
        s.get("reason"),
        segment.get("description") or None,
    )


def _registry(r: JSON) -> GiftRegistry:
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
    return GiftRegistry(
        code=r.get("code", ""),
        title=r.get("title", ""),
        occasion=r.get("occasion", ""),
        event_date=r.get("eventDate"),
        remaining=int(r.get("remaining") or sum(i.remaining for i in items)),
        items=items,
    )


def _merge(m: JSON) -> MergeRecord:
    return MergeRecord(
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


def _recommendation(r: JSON) -> Recommendation:
    product = r.get("product") or {}
    return Recommendation(
        sku=product.get("sku", ""),
        name=product.get("name", ""),
        score=r.get("score"),
        reason=r.get("reason"),
        recommendation_id=r.get("recommendationId"),
        kind=r.get("kind"),
    )
