"""How the agent desktop reads the parts of a profile: names for the generated types, and the
wording and sums the panels show; no Textual, no I/O.

The parts themselves are the hub's typed answer (`hub_api`, generated from operations/); the
classes here only add a reading to a generated part (no field of their own).
"""

from __future__ import annotations

from datetime import date

from .hub_api.enums import EventType
from .hub_api.fragments import Profile360Consents as Consent
from .hub_api.fragments import Profile360GiftRegistries as GiftRegistry
from .hub_api.fragments import (
    Profile360Merges,
    Profile360Preferences,
    Profile360RecentEvents,
    Profile360RecentEventsProduct,
    Profile360Recommendations,
    Profile360RecommendationsProduct,
    Profile360Segments,
    Profile360SegmentsSegment,
)
from .hub_api.fragments import Profile360Notes as Note
from .hub_api.fragments import Profile360OrderSummary as OrderSummary
from .hub_api.fragments import ProfileCardIdentifiers as Identifier

__all__ = [
    "Consent",
    "Event",
    "GiftRegistry",
    "Identifier",
    "Membership",
    "MergeRecord",
    "Note",
    "OrderSummary",
    "Preference",
    "Recommendation",
    "describe_event",
    "event_amount",
    "pick_kind_label",
    "registry_is_past",
    "registry_when",
]


class Preference(Profile360Preferences):
    """A stated or learned preference, with the name to show for its value."""

    @property
    def liked(self) -> bool:
        return self.like

    @property
    def shown_value(self) -> str:
        """The product or category name when the hub knows it, else the raw value."""
        return self.label or self.value


class Event(Profile360RecentEvents):
    """One event on the timeline (the generated name is `type_`: `type` is a Python builtin)."""

    @property
    def type(self) -> EventType:
        return self.type_


class Recommendation(Profile360Recommendations):
    """A pick for this call: its product, and the sales words for its kind."""

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def name(self) -> str:
        return self.product.name

    @property
    def kind_label(self) -> str:
        return pick_kind_label(self.kind)


class Membership(Profile360Segments):
    """A segment the customer is in, read as the panel shows it: its name, and why."""

    @property
    def name(self) -> str:
        return self.segment.name

    @property
    def description(self) -> str | None:
        return self.segment.description or None


class MergeRecord(Profile360Merges):
    """A merge-journal entry: what moved from `merged_id` into `survivor_id`."""

    @property
    def active(self) -> bool:
        return self.split_at is None


# The generated parents name their nested types as strings: resolve them here.
_NESTED = {
    "Profile360RecentEventsProduct": Profile360RecentEventsProduct,
    "Profile360RecommendationsProduct": Profile360RecommendationsProduct,
    "Profile360SegmentsSegment": Profile360SegmentsSegment,
}
for _view in (Preference, Event, Recommendation, Membership, MergeRecord):
    _view.model_rebuild(_types_namespace=_NESTED)


def event_amount(event: Event) -> float:
    if event.quantity is None or event.price is None:
        return 0.0
    return abs(event.quantity) * event.price


def describe_event(event: Event) -> str:
    if event.summary:
        return event.summary
    what = (event.product.name if event.product else None) or event.product_sku or ""
    if event.quantity is not None and what:
        what = f"{abs(event.quantity):g} × {what}"
    return " ".join(part for part in (event.type_.value.replace("_", " ").lower(), what) if part)


PICK_KINDS = {
    "COLLABORATIVE": "cross-sell",
    "UPSELL": "up-sell",
    "REBUY": "buy again",
    "INTEREST": "interest",
    "POPULAR": "popular",
}


def pick_kind_label(kind: str) -> str:
    """The sales words for a pick's kind: cross-sell, up-sell, …"""
    return PICK_KINDS.get(kind, kind.replace("_", " ").lower())


def registry_when(registry: GiftRegistry) -> str:
    """`12 Aug 2026`, or "" when the registry has no date."""
    if not registry.event_date:
        return ""
    try:
        return date.fromisoformat(registry.event_date[:10]).strftime("%d %b %Y")
    except ValueError:
        return registry.event_date


def registry_is_past(registry: GiftRegistry) -> bool:
    if not registry.event_date:
        return False
    try:
        return date.fromisoformat(registry.event_date[:10]) < date.today()
    except ValueError:
        return False
