"""A stated preference and a learned interest as a read finds them: plain values, no ORM
objects (the recommender's read and the profile read). Their fields name the table columns a
read selects, so a statement is built from them (`learned_columns`, `stated_columns`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple

from hub.preferences.models import Affinity, Preference


@dataclass(frozen=True, slots=True)
class StatedFacts:
    """A stated preference as a read found it (no ORM object)."""

    profile_id: str
    key: str
    value: str
    like: bool
    weight: float
    touchpoint: str
    origin: str
    updated_at: datetime


class LearnedFacts(NamedTuple):
    """A learned interest as a read found it (no ORM object)."""

    profile_id: str
    key: str
    value: str
    score: float
    as_of: datetime
    views: int
    carts: int
    purchases: int
    returns: int
    last_touchpoint: str


def learned_columns() -> list[Any]:
    """The `affinities` columns of LearnedFacts, in its order."""
    return [Affinity.__table__.c[name] for name in LearnedFacts._fields]


def stated_columns() -> list[Any]:
    """The `preferences` columns of StatedFacts, in its order."""
    return [Preference.__table__.c[f.name] for f in fields(StatedFacts)]
