"""A learned re-ranker for customers with a purchase history (LightGBM LambdaRank).

The hand-weighted blend in engine.py cannot know, per customer, how many of ten slots their own
staples deserve, or which of a hundred past purchases come back. This model learns that from
the store's own history: at training time the purchases before a validation origin V (a few
weeks to three months before now) are the history, the purchases after V are the labels, and
LambdaRank learns to order each customer's candidates so the ones they went on to buy come
first. Serving computes the same features at the current clock from the full history.

Candidates per customer: everything they bought (their strongest habits first, at most
MAX_OWNED), the best MAX_EASE items by the EASE score of their purchases, and the MAX_POPULAR
best sellers. Two rankers are learned: one for the default list (all purchases are labels) and
one for `newOnly` (candidates and labels restricted to items new to the customer).

Features (FEATURES, in order) name only real signals: per customer × item, how many orders,
how long ago, the typical interval and how due it is; per customer, how many orders and how
much of what they buy is a repeat; per item, how many customers bought it lately and ever, how
often its buyers re-buy it, how new it is; and the EASE score of the customer's purchases.
"""

from __future__ import annotations

import io
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import lightgbm as lgb
import numpy as np

from hub.recs.habits import HALF_LIFE, fading, repeat_share
from hub.recs.model import ItemModel

Order = tuple[datetime, frozenset[str]]
DAY = 86400.0
MAX_OWNED = 200
MAX_EASE = 60
MAX_POPULAR = 40
MAX_GROUPS = 4000  # customers per training set: enough to learn, bounded time
FEATURES = (
    "owned",
    "orders",
    "strength",
    "days_since_last",
    "interval_days",
    "due",
    "order_share",
    "orders_last_90d",
    "customer_orders",
    "customer_items",
    "customer_repeat_share",
    "days_since_last_order",
    "tenure_days",
    "ease",
    "ease_rank",
    "buyers_30d",
    "buyers_90d",
    "buyers_all",
    "trend",
    "item_repeat_rate",
    "item_orders_per_buyer",
    "item_age_days",
    "ease_recent",
    "ease_mean",
    "in_last_orders",
    "customer_basket_size",
    "customer_gap_days",
    "since_last_over_gap",
)
RECENT_HALF_LIFE = timedelta(days=30)


def per_product(orders: Sequence[Order]) -> dict[str, list[datetime]]:
    """sku → the moments of the orders it was in, oldest first."""
    moments: dict[str, list[datetime]] = defaultdict(list)
    for at, skus in orders:
        for sku in skus:
            moments[sku].append(at)
    return moments


def orders_from(purchases: Iterable[tuple[str, datetime]]) -> list[Order]:
    """(sku, moment) purchase lines → orders (one per moment), oldest first."""
    found: dict[datetime, set[str]] = defaultdict(set)
    for sku, at in purchases:
        found[at].add(sku)
    return [(at, frozenset(skus)) for at, skus in sorted(found.items())]


@dataclass
class ItemStats:
    """Per item, as of one moment: buyers lately and ever, how often buyers re-buy it."""

    skus: list[str]
    buyers_30: np.ndarray
    buyers_90: np.ndarray
    buyers_all: np.ndarray
    repeat_rate: np.ndarray
    orders_per_buyer: np.ndarray
    age_days: np.ndarray
    index: dict[str, int] = field(init=False)
    popular: list[str] = field(init=False)
    columns: np.ndarray = field(init=False)  # per item, its features 15–21 (FEATURES)

    def __post_init__(self) -> None:
        self.index = {sku: i for i, sku in enumerate(self.skus)}
        order = np.lexsort((-self.buyers_all, -self.buyers_90, -self.buyers_30))
        self.popular = [self.skus[i] for i in order[:MAX_POPULAR]]
        self.columns = np.array(
            [
                (
                    math.log1p(self.buyers_30[i]),
                    math.log1p(self.buyers_90[i]),
                    math.log1p(self.buyers_all[i]),
                    (self.buyers_30[i] + 1) / (self.buyers_90[i] / 3 + 1),
                    self.repeat_rate[i],
                    self.orders_per_buyer[i],
                    self.age_days[i],
                )
                for i in range(len(self.skus))
            ],
            dtype=np.float64,
        ).reshape(-1, 7)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "skus": np.array(self.skus, dtype=np.str_),
            "buyers_30": self.buyers_30,
            "buyers_90": self.buyers_90,
            "buyers_all": self.buyers_all,
            "repeat_rate": self.repeat_rate,
            "orders_per_buyer": self.orders_per_buyer,
            "age_days": self.age_days,
        }

    @staticmethod
    def from_arrays(arrays: Mapping[str, np.ndarray]) -> ItemStats:
        return ItemStats(
            [str(s) for s in arrays["skus"]],
            *(
                np.asarray(arrays[name], dtype=np.float64)
                for name in (
                    "buyers_30",
                    "buyers_90",
                    "buyers_all",
                    "repeat_rate",
                    "orders_per_buyer",
                    "age_days",
                )
            ),
        )


def item_stats(customers: Mapping[str, Sequence[Order]], now: datetime) -> ItemStats:
    # Per item: buyers within 30 days, within 90, ever, buyers with 2+ orders, orders.
    buyers: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    first: dict[str, datetime] = {}
    for orders in customers.values():
        for sku, times in per_product(orders).items():
            first[sku] = min(first.get(sku, times[0]), times[0])
            row = buyers[sku]
            age = now - times[-1]
            row[0] += age <= timedelta(days=30)
            row[1] += age <= timedelta(days=90)
            row[2] += 1
            row[3] += len(times) >= 2
            row[4] += len(times)
    names = sorted(buyers)
    table = np.array([buyers[s] for s in names], dtype=np.float64).reshape(-1, 5)
    everyone = np.maximum(table[:, 2], 1.0)
    return ItemStats(
        names,
        table[:, 0],
        table[:, 1],
        table[:, 2],
        table[:, 3] / everyone,
        table[:, 4] / everyone,
        np.array([(now - first[s]).total_seconds() / DAY for s in names]),
    )


@dataclass
class EaseView:
    """One customer's EASE scores (the sum of the weight rows of what they bought)."""

    index: Mapping[str, int]
    items: Sequence[str]
    scores: np.ndarray
    recent: np.ndarray  # the same with each purchase fading over RECENT_HALF_LIFE
    owned: int  # how many of the customer's products the model knows

    def ranks(self, at: np.ndarray) -> np.ndarray:
        """The rank of the items at `at` among all (1 for the best), ties in model order: what
        a stable sort of every item by score gives, worked out for these items alone."""
        if not self.owned:  # nothing bought that the model knows: no order to speak of
            return np.full(len(at), np.nan)
        scores = self.scores
        ordered = np.sort(scores)
        wanted = scores[at]
        above = len(scores) - np.searchsorted(ordered, wanted, side="right")
        tied = above + np.searchsorted(ordered, wanted, side="left") < len(scores) - 1
        ahead = np.zeros(len(at), dtype=np.int64)
        for k in np.flatnonzero(tied).tolist():
            ahead[k] = np.count_nonzero(scores[: at[k]] == wanted[k])
        ranks: np.ndarray = (above + ahead + 1).astype(np.float64)
        return ranks

    @staticmethod
    def of(
        last: Mapping[str, datetime],
        now: datetime,
        index: Mapping[str, int],
        weights: np.ndarray,
        items: Sequence[str],
    ) -> EaseView:
        """From sku → when the customer last bought it."""
        # In model order: sums that do not depend on set order (Python's string hashing
        # differs per process), so the same purchases give the same model in any process.
        known = sorted((index[s], at) for s, at in last.items() if s in index)
        if not known:
            zeros = np.zeros(len(items))
            return EaseView(index, items, zeros, zeros, 0)
        rows = np.fromiter((i for i, _ in known), dtype=np.int64, count=len(known))
        faded = fading((at for _, at in known), now, RECENT_HALF_LIFE)
        fade = np.fromiter((faded[at] for _, at in known), dtype=np.float32, count=len(known))
        block = weights[rows]
        scores = block.sum(axis=0, dtype=np.float64)
        recent = (fade @ block).astype(np.float64)
        return EaseView(index, items, scores, recent, len(known))

    def best(self, n: int, skip: Iterable[str]) -> list[str]:
        blocked = [self.index[s] for s in skip if s in self.index]
        wanted = min(n + len(blocked), len(self.scores) - 1)
        if wanted <= 0:
            return []
        top = np.argpartition(-self.scores, wanted)[:wanted]
        top = top[np.argsort(-self.scores[top], kind="stable")]
        skipped = np.zeros(len(self.scores), dtype=bool)
        skipped[blocked] = True
        top = top[(self.scores[top] > 0) & ~skipped[top]]
        return [self.items[j] for j in top[:n].tolist()]


def candidates(
    moments: Mapping[str, Sequence[datetime]], ease: EaseView, stats: ItemStats
) -> list[str]:
    """What the ranker orders for one customer (their purchases first, as habits rank)."""
    owned = sorted(moments, key=lambda s: (-len(moments[s]), -moments[s][-1].timestamp(), s))
    picked = dict.fromkeys(owned[:MAX_OWNED])
    picked.update(dict.fromkeys(ease.best(MAX_EASE, moments)))
    picked.update(dict.fromkeys(s for s in stats.popular if s not in moments))
    return list(picked)


def candidate_features(
    orders: Sequence[Order],
    now: datetime,
    model: ItemModel,
    stats: ItemStats,
    keep: Container[str] | None = None,
) -> tuple[list[str], np.ndarray]:
    """One customer's candidates (of those, the ones in `keep` when given) and their features,
    from their orders and an EASE model: what learning and serving both compute."""
    moments = per_product(orders)
    last = {sku: times[-1] for sku, times in moments.items()}
    view = EaseView.of(last, now, model.index, model.weights, model.items)
    skus = [s for s in candidates(moments, view, stats) if keep is None or s in keep]
    return skus, features(orders, moments, skus, view, stats, now)


def features(
    orders: Sequence[Order],
    moments: Mapping[str, Sequence[datetime]],
    skus: Sequence[str],
    ease: EaseView,
    stats: ItemStats,
    now: datetime,
) -> np.ndarray:
    """(len(skus), len(FEATURES)) float32, NaN where a feature does not apply; `moments` is
    `per_product(orders)`."""
    n_orders = len(orders)
    # An order's lines share its moment: each moment's age and weight are worked out once.
    age_of = {at: (now - at).total_seconds() for at, _ in orders}
    faded = fading(age_of, now, HALF_LIFE)
    out = np.full((len(skus), len(FEATURES)), np.nan, dtype=np.float32)
    # Column by column (a numpy array per column, not a scalar per cell): the same float64
    # arithmetic as a row at a time, cast to float32 once, so learning and serving agree.
    owned: list[int] = []
    counts: list[float] = []
    strengths: list[float] = []
    since: list[float] = []
    within_90: list[float] = []
    repeated: list[int] = []
    intervals: list[float] = []
    since_90 = now - timedelta(days=90)
    for row, sku in enumerate(skus):
        times = moments.get(sku)  # oldest first, no moment twice
        if not times:
            continue
        owned.append(row)
        counts.append(len(times))
        strengths.append(sum([faded[at] for at in times]))
        since.append(age_of[times[-1]] / DAY)  # the newest is the least
        within_90.append(len(times) - bisect_left(times, since_90))
        if len(times) >= 2:
            repeated.append(row)
            intervals.append((age_of[times[0]] - age_of[times[-1]]) / DAY / (len(times) - 1))
    out[:, [0, 1, 2, 6, 7]] = 0.0
    if owned:
        out[owned, 0] = 1.0
        out[owned, 1] = counts
        out[owned, 2] = strengths
        out[owned, 3] = since
        out[owned, 6] = np.asarray(counts) / n_orders
        out[owned, 7] = within_90
    if repeated:
        out[repeated, 4] = intervals
        out[repeated, 5] = out[repeated, 3] / np.maximum(out[repeated, 4], np.float32(1.0))
    at = np.fromiter((ease.index.get(s, -1) for s in skus), dtype=np.int64, count=len(skus))
    known = np.flatnonzero(at >= 0)
    if known.size:
        j = at[known]
        out[known, 13] = ease.scores[j]
        out[known, 14] = ease.ranks(j)
        out[known, 22] = ease.recent[j]
        out[known, 23] = ease.scores[j] / max(ease.owned, 1)
    at = np.fromiter((stats.index.get(s, -1) for s in skus), dtype=np.int64, count=len(skus))
    known = np.flatnonzero(at >= 0)
    if known.size:
        out[known, 15:22] = stats.columns[at[known]]
    if orders:
        lately = frozenset().union(*(b for _, b in orders[-3:]))
        out[:, 24] = [sku in lately for sku in skus]
        out[:, 25] = sum(len(b) for _, b in orders) / n_orders
        span_days = (orders[-1][0] - orders[0][0]).total_seconds() / DAY
        gap = span_days / (n_orders - 1) if n_orders > 1 else math.nan
        out[:, 26] = gap
        out[:, 27] = out[:, 3] / max(gap, 1.0) if n_orders > 1 else math.nan
        out[:, 8] = n_orders
        out[:, 9] = len(moments)
        out[:, 10] = repeat_share(orders)
        out[:, 11] = (now - orders[-1][0]).total_seconds() / DAY
        out[:, 12] = (now - orders[0][0]).total_seconds() / DAY
    return out


@dataclass
class LearnedRanker:
    """The boosted ranker and the item statistics it is served with."""

    booster: lgb.Booster
    stats: ItemStats
    origin: datetime
    groups: int
    as_of: datetime  # the moment its features were aligned to (the data's newest day)
    trained: datetime  # the hub's clock when it learned

    def key(
        self,
        orders: Sequence[Order],
        now: datetime,
        model: ItemModel,
        position: Mapping[str, int],
        size: int,
    ) -> np.ndarray | None:
        """Per catalogue item (`position`), the learned score of the customer's candidates and
        −inf for the rest; None when there is nothing to order (no purchases)."""
        if not orders:
            return None
        # The data's clock: today in a live store, the demo's 2010 moved on as time passes.
        now = min(now, self.as_of + max(now - self.trained, timedelta(0)))
        skus, x = candidate_features(orders, now, model, self.stats, keep=position)
        if not skus:
            return None
        key = np.full(size, -np.inf)
        key[[position[s] for s in skus]] = self.score(x)
        return key

    def score(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(x, num_threads=1), dtype=np.float64)


def to_bytes(ranker: LearnedRanker) -> bytes:
    arrays = ranker.stats.to_arrays()
    text = ranker.booster.model_to_string().encode()
    arrays["booster"] = np.frombuffer(text, dtype=np.uint8)
    arrays["origin"] = np.array([ranker.origin.timestamp()])
    arrays["groups"] = np.array([ranker.groups])
    arrays["as_of"] = np.array([ranker.as_of.timestamp(), ranker.trained.timestamp()])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def from_bytes(blob: bytes) -> LearnedRanker:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    return LearnedRanker(
        lgb.Booster(model_str=arrays["booster"].tobytes().decode()),
        ItemStats.from_arrays(arrays),
        datetime.fromtimestamp(float(arrays["origin"][0]), UTC),
        int(arrays["groups"][0]),
        datetime.fromtimestamp(float(arrays["as_of"][0]), UTC),
        datetime.fromtimestamp(float(arrays["as_of"][1]), UTC),
    )
