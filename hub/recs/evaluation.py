"""Does personalisation pay? Personalised customers against the persistent holdout.

Over a window: the *active* customers are those with any event (at the touchpoint, if given);
the holdout is the stable hash share that only ever gets non-personal picks. For each group:
conversion (share of active customers who bought), average order value (an order = the
purchase lines sharing properties.orderId, else properties.invoice, else one line),
purchase frequency (orders per active customer), recommendation click-through (clicks on a
pick shown in the window, over impressions: a click with no impression before it, such as
one sent without its impression, is not counted, so the rate stays a proportion) and
attributed revenue (lines whose product the customer was shown in the 7 days before). Lifts
compare personalised with holdout, with 95 % confidence intervals.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.enums import EventType
from hub.events.models import Event
from hub.recs.service import in_holdout

# A pick an agent offered and the caller turned down was still shown.
_IMPRESSIONS = frozenset(
    {EventType.RECOMMENDATION_SHOWN.value, EventType.RECOMMENDATION_REJECTED.value}
)
# Answers to next best actions (a pick answered on the phone is a click or a rejection).
_ACCEPTED = frozenset(
    {EventType.NEXT_BEST_ACTION_ACCEPTED.value, EventType.RECOMMENDATION_CLICKED.value}
)
_DECLINED = frozenset(
    {EventType.NEXT_BEST_ACTION_REJECTED.value, EventType.RECOMMENDATION_REJECTED.value}
)
ATTRIBUTION_WINDOW = timedelta(days=7)
# `track` and `import` refuse events before 1990, so a window may start earlier (a client's
# "from the beginning", 0001-01-01) while the look-back before it stays a real date.
_NO_EVENT_BEFORE = datetime(1990, 1, 1, tzinfo=UTC) - timedelta(days=1)
Z95 = 1.959964


@dataclass
class GroupStats:
    customers: int = 0
    buyers: int = 0
    orders: int = 0
    revenue: float = 0.0
    impressions: int = 0
    clicks: int = 0
    attributed_revenue: float = 0.0
    attributed_orders: int = 0
    revenue_per_customer: list[float] = field(default_factory=list)
    orders_per_customer: list[float] = field(default_factory=list)
    attributed_per_customer: list[float] = field(default_factory=list)
    order_values: list[float] = field(default_factory=list)

    @property
    def conversion(self) -> float:
        return self.buyers / self.customers if self.customers else 0.0

    @property
    def average_order_value(self) -> float:
        return self.revenue / self.orders if self.orders else 0.0

    @property
    def frequency(self) -> float:
        return self.orders / self.customers if self.customers else 0.0

    @property
    def click_through(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0


@dataclass(frozen=True)
class Lift:
    metric: str
    personalized: float
    holdout: float
    lift: float | None  # personalized / holdout - 1
    low: float | None  # 95 % interval of the difference (personalized - holdout)
    high: float | None


@dataclass
class ActionResponses:
    """How callers answered the next best actions of one kind that agents offered."""

    kind: str
    accepted: int = 0
    declined: int = 0

    @property
    def acceptance(self) -> float:
        answered = self.accepted + self.declined
        return self.accepted / answered if answered else 0.0


@dataclass
class Evaluation:
    start: datetime
    end: datetime
    touchpoint: str | None
    personalized: GroupStats
    holdout: GroupStats
    lifts: list[Lift]
    actions: list[ActionResponses] = field(default_factory=list)


def _order_key(event: Event) -> str:
    props = event.properties or {}
    return str(props.get("orderId") or props.get("invoice") or f"line-{event.id}")


async def evaluate(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    touchpoint: str | None,
    holdout_percent: float,
) -> Evaluation:
    since = max(start, _NO_EVENT_BEFORE) - ATTRIBUTION_WINDOW
    query = select(Event).where(Event.occurred_at >= since, Event.occurred_at < end)
    if touchpoint:
        query = query.where(Event.touchpoint == touchpoint)
    by_profile: dict[str, list[Event]] = defaultdict(list)
    result = await session.stream_scalars(
        query.order_by(Event.occurred_at, Event.id).execution_options(yield_per=10_000)
    )
    async for event in result:
        by_profile[event.profile_id].append(event)
    groups = {True: GroupStats(), False: GroupStats()}
    actions: dict[str, ActionResponses] = {}
    for profile_id, events in by_profile.items():
        inside = [e for e in events if e.occurred_at >= start]
        if not inside:
            continue
        stats = groups[in_holdout(profile_id, holdout_percent)]
        stats.customers += 1
        shown: dict[str, datetime] = {}
        unclicked: Counter[str] = Counter()  # impressions in the window not clicked yet
        orders: dict[str, float] = defaultdict(float)
        attributed = 0.0
        attributed_orders: set[str] = set()
        revenue = 0.0
        for event in events:
            kind = event.type
            if kind in _IMPRESSIONS and event.product_sku:
                shown[event.product_sku] = event.occurred_at
            if event.occurred_at < start:
                continue
            props = event.properties or {}
            if props.get("actionId") and kind in _ACCEPTED | _DECLINED:
                answers = actions.setdefault(
                    str(props.get("kind") or "OTHER"), ActionResponses(str(props.get("kind")))
                )
                if kind in _ACCEPTED:
                    answers.accepted += 1
                else:
                    answers.declined += 1
            if kind in _IMPRESSIONS:
                stats.impressions += 1
                unclicked[event.product_sku or ""] += 1
            elif kind == EventType.RECOMMENDATION_CLICKED.value:
                stats.clicks += _take_impression(unclicked, event.product_sku)
            elif kind == EventType.PURCHASE.value:
                value = float(event.price or 0) * abs(event.quantity or 1)
                key = _order_key(event)
                orders[key] += value
                revenue += value
                seen = shown.get(event.product_sku or "")
                if seen is not None and event.occurred_at - seen <= ATTRIBUTION_WINDOW:
                    attributed += value
                    attributed_orders.add(key)
        if orders:
            stats.buyers += 1
        stats.orders += len(orders)
        stats.attributed_orders += len(attributed_orders)
        stats.revenue += revenue
        stats.revenue_per_customer.append(revenue)
        stats.orders_per_customer.append(float(len(orders)))
        stats.attributed_per_customer.append(attributed)
        stats.attributed_revenue += attributed
        stats.order_values.extend(orders.values())
    personalized, holdout = groups[False], groups[True]
    return Evaluation(
        start,
        end,
        touchpoint,
        personalized,
        holdout,
        _lifts(personalized, holdout),
        sorted(actions.values(), key=lambda a: a.kind),
    )


def _lifts(p: GroupStats, h: GroupStats) -> list[Lift]:
    def ratio(a: float, b: float) -> float | None:
        return a / b - 1 if b else None

    lifts = []
    # Proportions: Wald interval of the difference.
    for name, pa, na, pb, nb in (
        ("conversion", p.conversion, p.customers, h.conversion, h.customers),
        ("click_through", p.click_through, p.impressions, h.click_through, h.impressions),
    ):
        low = high = None
        if na and nb:
            # Both are proportions (a click counts only against its impression), but a
            # rounding step past 1 must not fail the report with a math domain error.
            se = math.sqrt(max(0.0, pa * (1 - pa)) / na + max(0.0, pb * (1 - pb)) / nb)
            low, high = pa - pb - Z95 * se, pa - pb + Z95 * se
        lifts.append(Lift(name, pa, pb, ratio(pa, pb), low, high))
    # Means: Welch interval of the difference.
    for name, xs, ys in (
        ("average_order_value", p.order_values, h.order_values),
        ("revenue_per_customer", p.revenue_per_customer, h.revenue_per_customer),
        ("purchase_frequency", p.orders_per_customer, h.orders_per_customer),
        ("attributed_revenue_per_customer", p.attributed_per_customer, h.attributed_per_customer),
    ):
        ma, mb = _mean(xs), _mean(ys)
        low = high = None
        if len(xs) > 1 and len(ys) > 1:
            se = math.sqrt(_var(xs) / len(xs) + _var(ys) / len(ys))
            low, high = ma - mb - Z95 * se, ma - mb + Z95 * se
        lifts.append(Lift(name, ma, mb, ratio(ma, mb), low, high))
    return lifts


def _take_impression(unclicked: Counter[str], sku: str | None) -> int:
    """1 when the click answers an impression not yet clicked (of its product, or any when
    the click names none), which it then uses up; else 0."""
    key = sku or next((k for k, n in unclicked.items() if n), None)
    if key is None or not unclicked[key]:
        return 0
    unclicked[key] -= 1
    return 1


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _var(values: list[float]) -> float:
    m = _mean(values)
    return sum((v - m) ** 2 for v in values) / (len(values) - 1)
