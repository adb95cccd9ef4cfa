"""Plain data the agent desktop shows, parsed from the hub's JSON; no Textual, no I/O: the
profile (its parts are in profile_parts.py), form errors and how times and touchpoints read.

Every field beyond the core contract is optional: a hub that lacks it leaves it `None`, and the
panel that shows it stays hidden instead of showing made-up data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .profile_parts import (
    Consent,
    Event,
    GiftRegistry,
    Identifier,
    MergeRecord,
    Note,
    OrderSummary,
    Preference,
    Recommendation,
    Segment,
)

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
            preferences=[Preference.from_json(p) for p in data.get("preferences") or ()],
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
            events=[Event.from_json(e) for e in data.get("recentEvents") or ()],
            notes=_optional(data, "notes", Note.from_json),
            segments=_optional(data, "segments", Segment.from_json),
            recommendations=_optional(data, "recommendations", Recommendation.from_json),
            merges=_optional(data, "merges", MergeRecord.from_json),
            gift_registries=_optional(data, "giftRegistries", GiftRegistry.from_json),
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
