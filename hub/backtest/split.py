"""One rolling-origin split of a purchase file: the history before a cut-off, the horizon after.

The customers scored at a cut-off are those who bought anything in the horizon, counting only
products in the catalogue as it stood at the cut-off (a product first sold later could not
have been picked). Their history (orders before, country) places them in segments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.backtest.baselines import History, Purchase
from hub.catalog.demo_data import LineRow
from hub.recs.model import popular_now

STANDARD_CUTOFFS = ("2010-03-01", "2010-05-01", "2010-06-15")
HORIZON_DAYS = 182


@dataclass(frozen=True)
class Customer:
    """One customer scored at one cut-off."""

    id: str
    bought: frozenset[str]  # products bought in the horizon (catalogue only)
    new: frozenset[str]  # of those, the ones never bought before the cut-off
    spend: dict[str, float]  # horizon value per product
    orders_before: int
    country: str

    @property
    def known(self) -> bool:
        return self.orders_before > 0


@dataclass
class Split:
    cutoff: datetime
    end: datetime
    history: History
    customers: list[Customer]


def parse_day(text: str) -> datetime:
    """A cut-off date (YYYY-MM-DD) as midnight UTC."""
    day = datetime.fromisoformat(text)
    return day.replace(tzinfo=UTC) if day.tzinfo is None else day.astimezone(UTC)


def default_cutoffs(first: datetime, last: datetime) -> list[datetime]:
    """The standard cut-offs when the data covers them with room either side, else three
    spread over the data (40 %, 55 %, 70 % of its span)."""
    standard = [parse_day(d) for d in STANDARD_CUTOFFS]
    if all(first + timedelta(days=28) <= c <= last - timedelta(days=28) for c in standard):
        return standard
    span = last - first
    return [
        (first + span * share).replace(hour=0, minute=0, second=0, microsecond=0)
        for share in (0.40, 0.55, 0.70)
    ]


def history_group(orders_before: int) -> str:
    if orders_before == 0:
        return "first order in the horizon"
    if orders_before == 1:
        return "1 order before"
    if orders_before <= 4:
        return "2–4 orders before"
    return "5 or more orders before"


def build(
    lines: Sequence[LineRow],
    cutoff: datetime,
    horizon_days: int,
    catalogue: set[str],
) -> Split:
    """The split at `cutoff`: purchases before it for the baselines, customers after it."""
    last = max(line.occurred_at for line in lines)
    end = min(cutoff + timedelta(days=horizon_days), last + timedelta(seconds=1))
    before = [ln for ln in lines if ln.occurred_at < cutoff]
    purchases = [
        Purchase(ln.customer_id, ln.sku, ln.invoice, ln.occurred_at)
        for ln in before
        if not ln.is_return and ln.sku in catalogue
    ]
    popular = popular_now((p.sku, p.at) for p in purchases)
    history = History(purchases, popular)
    after = [
        ln
        for ln in lines
        if cutoff <= ln.occurred_at < end and not ln.is_return and ln.sku in catalogue
    ]
    return Split(cutoff, end, history, _customers(before, after, history))


def _customers(
    before: Sequence[LineRow], after: Sequence[LineRow], history: History
) -> list[Customer]:
    orders: dict[str, set[str]] = defaultdict(set)
    country: dict[str, str] = {}
    for ln in before:
        if not ln.is_return:
            orders[ln.customer_id].add(ln.invoice)
        country[ln.customer_id] = ln.country
    spend: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for ln in after:
        spend[ln.customer_id][ln.sku] += float(ln.price) * abs(ln.quantity)
        country.setdefault(ln.customer_id, ln.country)
    found = []
    for customer_id in sorted(spend):
        owned = history.owned(customer_id)
        bought = frozenset(spend[customer_id])
        found.append(
            Customer(
                customer_id,
                bought,
                frozenset(bought - owned),
                dict(spend[customer_id]),
                len(orders.get(customer_id, ())),
                country.get(customer_id, ""),
            )
        )
    return found
