"""How much each kind of event teaches about a shopper's taste, and how fast it fades: the
learning weights, read once from the settings and handed to every service that learns or reads
learned interests (hub/preferences/learning.py has the rule itself)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hub.enums import EventType
from hub.settings import Settings


@dataclass(frozen=True)
class Weights:
    half_life_seconds: float
    by_type: dict[EventType, float]

    @classmethod
    def from_settings(cls, settings: Settings) -> Weights:
        return cls(
            half_life_seconds=settings.affinity_half_life_days * 86400.0,
            by_type={
                EventType.VIEW: settings.weight_view,
                EventType.SEARCH: settings.weight_search,
                EventType.ADD_TO_CART: settings.weight_add_to_cart,
                EventType.PURCHASE: settings.weight_purchase,
                EventType.SAMPLE: settings.weight_sample,
                EventType.RECOMMENDATION_CLICKED: settings.weight_recommendation_clicked,
                EventType.RECOMMENDATION_REJECTED: settings.weight_recommendation_rejected,
                EventType.RETURN: settings.weight_return,
            },
        )

    def for_event(self, event_type: EventType, quantity: int | None) -> float | None:
        """The weight one event adds, or None when the event teaches nothing about taste."""
        base = self.by_type.get(event_type)
        if base is None:
            return None
        if event_type in (EventType.PURCHASE, EventType.RETURN) and quantity:
            # Twelve mugs say more than one, but not twelve times more (wholesale orders).
            return base * min(1.0 + math.log10(max(abs(quantity), 1)), 3.0)
        return base
