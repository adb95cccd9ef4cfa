"""What a customer buys again: per product, in how many orders, how often, how long ago.

An order is one moment of purchase (the lines of one invoice share it). A staple bought in six
orders outweighs a one-off from last week: strength is the count of orders, each fading with a
long half-life (a year), so frequency leads and recency only breaks near-ties.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HALF_LIFE = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Habit:
    orders: int
    first: datetime
    last: datetime
    strength: float  # Σ over orders of 2^(−age / HALF_LIFE)

    @property
    def interval(self) -> timedelta | None:
        """The typical time between two orders of it (None when bought once)."""
        if self.orders < 2:
            return None
        return (self.last - self.first) / (self.orders - 1)


def fading(
    moments: Iterable[datetime], now: datetime, half_life: timedelta
) -> dict[datetime, float]:
    """Each distinct moment's weight, 2^(−age / half_life) (a moment after `now` counts in
    full): worked out once per moment, since an order's lines share theirs."""
    seconds = half_life.total_seconds()
    return {at: 2.0 ** (-max((now - at).total_seconds(), 0.0) / seconds) for at in set(moments)}


def habits_from(purchases: Iterable[tuple[str, datetime]], now: datetime) -> dict[str, Habit]:
    """sku → Habit from (sku, moment) purchase lines."""
    moments: dict[str, set[datetime]] = defaultdict(set)
    for sku, at in purchases:
        moments[sku].add(at)
    faded = fading((at for times in moments.values() for at in times), now, HALF_LIFE)
    return {
        sku: Habit(
            orders=len(times),
            first=min(times),
            last=max(times),
            strength=sum([faded[at] for at in times]),
        )
        for sku, times in moments.items()
    }


def repeat_share(orders: Sequence[tuple[datetime, frozenset[str]]]) -> float:
    """How much of what the customer buys after their first order is something they had
    bought before: (repeats + 1) / (lines + 2), so a newcomer is 0.5 and a customer who
    never re-buys drifts towards 0. From their orders (one per moment, oldest first)."""
    if not orders:
        return 0.5
    seen = set(orders[0][1])
    repeats = lines = 0
    for _, bought in orders[1:]:
        lines += len(bought)
        repeats += len(bought & seen)
        seen |= bought
    return (repeats + 1) / (lines + 2)


def span(length: timedelta) -> str:
    """A duration in the words a shopper uses: "5 days", "3 weeks", "4 months"."""
    days = length.total_seconds() / 86400
    if days < 1.5:
        return "a day"
    if days < 11:
        return f"{round(days)} days"
    if days < 60:
        weeks = round(days / 7)
        return "a week" if weeks == 1 else f"{weeks} weeks"
    months = round(days / 30.4)
    if months < 24:
        return "a month" if months == 1 else f"{months} months"
    return f"{round(days / 365.25)} years"
