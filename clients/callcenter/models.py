"""Plain data the agent desktop shows, parsed from the hub's JSON; no Textual, no I/O.

Every field beyond the core contract is optional: a hub that lacks it leaves it `None`, and the
panel that shows it stays hidden instead of showing made-up data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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


@dataclass(frozen=True)
class Segment:
    id: str
    name: str
    reason: str | None


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


@dataclass(frozen=True)
class AuditEntry:
    """Who read or changed the profile, when, and through which channel."""

    id: str
    at: str | None
    actor: str
    channel: str
    action: str
    detail: str

    @classmethod
    def from_json(cls, data: JSON) -> AuditEntry:
        return cls(
            id=str(data.get("id", "")),
            at=data.get("at"),
            actor=data.get("actor", ""),
            channel=data.get("channel", ""),
            action=data.get("action", ""),
            detail=data.get("detail", ""),
        )


@dataclass(frozen=True)
class IdentityConflict:
    """A shared-device identifier seen with two known customers, left unjoined for review."""

    id: str
    kind: str
    value: str
    profile_ids: tuple[str, ...]
    touchpoint: str | None
    status: str
    created_at: str | None

    @classmethod
    def from_json(cls, data: JSON) -> IdentityConflict:
        return cls(
            id=str(data["id"]),
            kind=data.get("kind", ""),
            value=data.get("value", ""),
            profile_ids=tuple(str(i) for i in data.get("profileIds") or ()),
            touchpoint=data.get("touchpoint"),
            status=data.get("status", ""),
            created_at=data.get("createdAt"),
        )


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
    extra: dict[str, Any] = field(default_factory=dict)
    complete: bool = True  # False for a search hit: enough to list, not to show

    @classmethod
    def from_json(cls, data: JSON) -> Profile:
        known = {
            "id", "firstName", "lastName", "displayName", "version", "greeting", "salutation",
            "identifiers",
            "preferences", "consents", "recentEvents", "notes", "segments", "recommendations",
            "merges",
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


@dataclass(frozen=True)
class ProfileChange:
    """One committed change announced by the hub's `profileChanged` subscription."""

    profile_id: str
    version: int | None
    touchpoint: str | None
    kind: str | None
    summary: str | None
    merged_into: str | None = None

    @classmethod
    def from_json(cls, data: JSON) -> ProfileChange:
        return cls(
            str(data.get("profileId", "")),
            data.get("version"),
            data.get("touchpoint"),
            data.get("kind"),
            data.get("summary"),
            data.get("mergedInto"),
        )

    def describe(self) -> str:
        text = self.summary or (self.kind or "change").replace("_", " ").lower()
        where = touchpoint_label(self.touchpoint)
        return f"{text} ({where})" if where and where.lower() not in text.lower() else text


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
    return Segment(str(segment.get("id", "")), segment.get("name", ""), s.get("reason"))


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
    )


def possible_duplicates(profiles: list[Profile]) -> dict[str, str]:
    """Profiles among these that may be the same person, with why: same name or same contact."""
    reasons: dict[str, str] = {}
    seen: dict[tuple[str, str], str] = {}
    for profile in profiles:
        keys = (
            [("name", profile.name.casefold())] if profile.first_name or profile.last_name else []
        )
        keys += [(i.kind, i.value.casefold()) for i in profile.identifiers]
        for key in keys:
            other = seen.setdefault(key, profile.id)
            if other != profile.id:
                why = (
                    "same name" if key[0] == "name" else f"same {key[0].lower().replace('_', ' ')}"
                )
                reasons.setdefault(profile.id, why)
                reasons.setdefault(other, why)
    return reasons
