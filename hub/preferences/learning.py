"""Learned interests: exponentially decayed scores, kept numerically stable over years.

A score is stored together with the time it is valid at (`as_of`, the time of the newest event
that touched it), never decayed to the wall clock: ten years of silence cannot underflow it to
zero, and reading it "as of" any moment is one multiplication.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from hub.enums import EventType
from hub.weights import Weights as Weights  # re-exported: the learning rule's weights

if TYPE_CHECKING:
    from hub.preferences.models import Affinity

LEARNED_FACETS = ("product", "category", "theme")


def decayed(score: float, as_of: datetime, at: datetime, half_life_seconds: float) -> float:
    """The score as it stands at `at` (earlier or later than `as_of`)."""
    elapsed = (at - as_of).total_seconds()
    if elapsed <= 0:
        return score
    return score * math.pow(2.0, -elapsed / half_life_seconds)


def fold(
    score: float, as_of: datetime, weight: float, at: datetime, half_life_seconds: float
) -> tuple[float, datetime]:
    """Add one event's weight. Events may arrive out of order; the result does not care."""
    if at >= as_of:
        return decayed(score, as_of, at, half_life_seconds) + weight, at
    # A late event adds its weight as decayed to the score's own time.
    late = (as_of - at).total_seconds()
    return score + weight * math.pow(2.0, -late / half_life_seconds), as_of


def strength(score: float) -> float:
    """A learned score squashed into (-1, 1): an explicit like (1.0) always outranks it."""
    return score / (abs(score) + 10.0)


@dataclass(slots=True)
class Interest:
    """Learning's working copy of one learned interest, and what it creates: plain attributes,
    so that folding thousands of events sets no ORM-instrumented attribute per event."""

    profile_id: str
    key: str
    value: str
    as_of: datetime  # the time `score` is valid at
    score: float = 0.0
    views: int = 0
    carts: int = 0
    purchases: int = 0
    returns: int = 0
    last_touchpoint: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def copy_of(cls, row: Affinity) -> Interest:
        return cls(
            profile_id=row.profile_id,
            key=row.key,
            value=row.value,
            as_of=row.as_of,
            score=row.score,
            views=row.views or 0,
            carts=row.carts or 0,
            purchases=row.purchases or 0,
            returns=row.returns or 0,
            last_touchpoint=row.last_touchpoint,
            updated_at=row.updated_at,
        )

    def count(self, event_type: EventType) -> None:
        if event_type in (EventType.VIEW, EventType.RECOMMENDATION_CLICKED, EventType.SEARCH):
            self.views += 1
        elif event_type is EventType.ADD_TO_CART:
            self.carts += 1
        elif event_type in (EventType.PURCHASE, EventType.SAMPLE):
            self.purchases += 1
        elif event_type is EventType.RETURN:
            self.returns += 1
