"""Learning the re-ranker (hub/recs/ranker.py) from the store's own purchases.

The validation origin V sits a third of the history before now (at least three weeks, at most
three months): candidates and features come from purchases before V, labels from what each
customer bought from V to now. A fifth of the customers is held back to stop boosting when the
ranking of their purchases stops improving. Deterministic: the same purchases give the same
model.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import lightgbm as lgb
import numpy as np

from hub.recs.model import train_ease
from hub.recs.ranker import (
    FEATURES,
    MAX_GROUPS,
    LearnedRanker,
    Order,
    candidate_features,
    item_stats,
)

SEED = 14
MIN_WINDOW, MAX_WINDOW = timedelta(days=21), timedelta(days=182)
WINDOW_SHARE = 1 / 3
STALE = timedelta(days=1)
MIN_GROUPS = 50  # fewer customers with later purchases than this: nothing to learn from
PARAMS: dict[str, object] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "lambdarank_truncation_level": 20,
    "learning_rate": 0.05,
    "num_leaves": 7,  # small trees: a few thousand customers to learn from
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "deterministic": True,
    "force_row_wise": True,
    "seed": SEED,
    "verbosity": -1,
}
ROUNDS = 400
PATIENCE = 40


def learn(
    customers: Mapping[str, Sequence[Order]], now: datetime, lam: float = 500.0
) -> LearnedRanker | None:
    """Learn the ranker from `customers` (id → orders, oldest first) as of `now`."""
    firsts = [orders[0][0] for orders in customers.values() if orders]
    if not firsts:
        return None
    # A store whose purchases stop before today (the demo's 2010) learns as of its newest one.
    as_of = min(now, max(orders[-1][0] for orders in customers.values() if orders) + STALE)
    window = min(max((as_of - min(firsts)) * WINDOW_SHARE, MIN_WINDOW), MAX_WINDOW)
    ordered = _in_stable_order(customers)
    everyone = list(ordered)
    random.Random(SEED).shuffle(everyone)
    held_out = set(everyone[: len(everyone) // 5])
    train, valid = _Examples(), _Examples()
    origin = as_of - window
    groups = _examples_at(customers, ordered, origin, as_of, lam, held_out, train, valid)
    if min(len(train.ys), len(valid.ys)) < MIN_GROUPS:
        return None
    return LearnedRanker(
        _fit(train, valid), item_stats(customers, as_of), origin, groups, as_of, now
    )


def _in_stable_order(customers: Mapping[str, Sequence[Order]]) -> list[str]:
    """The customers in an order that depends on what they bought and when, not on their
    profile ids: ids are new in every store seeded from the same history (time-stamped and
    random), and the held-out customers and the capped set of learners are drawn from this
    order, so the same history gives the same ranker (a backtest can be run again). Customers
    with the same history keep their ids' order."""
    return sorted(
        customers,
        key=lambda c: (tuple((at, tuple(sorted(items))) for at, items in customers[c]), c),
    )


@dataclass
class _Examples:
    xs: list[np.ndarray] = field(default_factory=list)
    ys: list[np.ndarray] = field(default_factory=list)


def _examples_at(
    customers: Mapping[str, Sequence[Order]],
    ordered: Sequence[str],
    origin: datetime,
    as_of: datetime,
    lam: float,
    held_out: set[str],
    train: _Examples,
    valid: _Examples,
) -> int:
    """Add the examples of one validation origin; how many customers they came from."""
    before = {c: [o for o in os if o[0] < origin] for c, os in customers.items()}
    before = {c: os for c, os in before.items() if os}
    later = {
        c: frozenset().union(*(o[1] for o in os if origin <= o[0] < as_of))
        for c, os in customers.items()
    }
    learners = [c for c in ordered if c in before and later.get(c)]  # `_in_stable_order`
    if len(learners) < MIN_GROUPS:
        return 0
    random.Random(SEED).shuffle(learners)
    learners = learners[:MAX_GROUPS]
    baskets = {c: frozenset().union(*(b for _, b in os)) for c, os in before.items()}
    ease = train_ease(baskets, lam, 3)
    stats = item_stats(before, origin)
    for customer in learners:
        orders = before[customer]
        skus, x = candidate_features(orders, origin, ease, stats)
        labels = np.fromiter(
            (s in later[customer] for s in skus), dtype=np.float32, count=len(skus)
        )
        if not labels.any():
            continue
        target = valid if customer in held_out else train
        target.xs.append(x)
        target.ys.append(labels)
    return len(learners)


def _fit(train_set: _Examples, valid_set: _Examples) -> lgb.Booster:
    train = lgb.Dataset(
        np.vstack(train_set.xs),
        np.concatenate(train_set.ys),
        group=[len(y) for y in train_set.ys],
        feature_name=list(FEATURES),
        free_raw_data=True,
    )
    valid = lgb.Dataset(
        np.vstack(valid_set.xs),
        np.concatenate(valid_set.ys),
        group=[len(y) for y in valid_set.ys],
        reference=train,
    )
    return lgb.train(
        PARAMS,
        train,
        num_boost_round=ROUNDS,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(PATIENCE, verbose=False)],
    )
