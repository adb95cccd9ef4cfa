"""Offline evaluation of recommenders on the real Online Retail II data, side by side.

Usage: .venv/bin/python bench/recs_eval.py [--cutoff 2010-09-01] [--data PATH]

Time split: everything before the cut-off trains every method; each customer's purchases after
it are the test. Customers with purchases on both sides are evaluated. Two views:
  all  — every product bought after the cut-off;
  new  — only products that customer never bought before (every method then leaves the
         customer's own past purchases out of its list).
recall@10 = hits / min(10, |test items|); NDCG@10 with binary relevance.

Rapport's row runs the serving code itself: preferences.accumulate (the live learning rule)
builds the shopper's interests from their history, recs.engine.shopper_from + recs.engine.rank
rank them with the EASE model trained by recs.model.train_ease, as Profile.recommendations does.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.catalog.demo_data import LineRow, read_catalog, read_lines
from hub.enums import EventType
from hub.preferences import service as preferences
from hub.preferences.learning import Weights
from hub.recs import engine
from hub.recs.model import ItemModel, popular_now, train_ease, train_item_knn
from hub.settings import Settings

K = 10
DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / ("online_retail_ii_2009_2010.csv.gz")
)


def measure(train: Callable[[], object]) -> tuple[object, float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    result = train()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def metrics(ranked: list[str], truth: set[str]) -> tuple[float, float]:
    hits = [1.0 if sku in truth else 0.0 for sku in ranked[:K]]
    recall = sum(hits) / min(K, len(truth))
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(truth))))
    return recall, dcg / ideal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cutoff", default="2010-09-01")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    args = parser.parse_args()
    cutoff = datetime.fromisoformat(args.cutoff).replace(tzinfo=UTC)
    started = time.perf_counter()

    catalogue_rows = read_catalog(args.data)
    lines: list[LineRow] = list(read_lines(args.data))
    train = [ln for ln in lines if ln.occurred_at < cutoff]
    test = [ln for ln in lines if ln.occurred_at >= cutoff and not ln.is_return]
    history: dict[str, list[LineRow]] = defaultdict(list)
    for line in train:
        history[line.customer_id].append(line)
    bought: dict[str, Counter[str]] = defaultdict(Counter)
    for line in train:
        if not line.is_return:
            bought[line.customer_id][line.sku] += 1
    truth: dict[str, set[str]] = defaultdict(set)
    for line in test:
        if line.customer_id in bought:
            truth[line.customer_id].add(line.sku)
    users = sorted(truth)
    baskets = {user: set(items) for user, items in bought.items()}
    purchases = [(ln.sku, ln.occurred_at) for ln in train if not ln.is_return]

    # Models, timed: each method's training on the same history.
    popular, t_pop, m_pop = measure(lambda: popular_now(purchases))
    knn, t_knn, m_knn = measure(lambda: train_item_knn(baskets))
    ease, t_ease, m_ease = measure(lambda: train_ease(baskets))
    assert isinstance(knn, ItemModel) and isinstance(ease, ItemModel)
    assert isinstance(popular, list)
    ease.popular = popular

    items = ease.items

    catalogue = engine.Catalogue(
        engine.items_from([(p.sku, p.name, p.category.slug, p.tags) for p in catalogue_rows]),
        popular,
    )
    weights = Weights.from_settings(Settings())

    def rapport(user: str, new_only: bool) -> list[str]:
        observations = [
            preferences.Observation(
                profile_id=user,
                event_type=EventType.RETURN if ln.is_return else EventType.PURCHASE,
                sku=ln.sku,
                category=catalogue.items[ln.sku].category if ln.sku in catalogue.items else None,
                tags=tuple(t for k, t in catalogue.items[ln.sku].facets if k == "theme")
                if ln.sku in catalogue.items
                else (),
                quantity=abs(ln.quantity),
                at=ln.occurred_at,
                touchpoint="WEB",
            )
            for ln in history[user]
        ]
        interests = preferences.accumulate({}, observations, weights).values()
        shopper = engine.shopper_from(interests, [], weights.half_life_seconds, now=cutoff)
        return [r.sku for r in engine.rank(shopper, ease, catalogue, K, exclude_owned=new_only)]

    def popularity(user: str, new_only: bool) -> list[str]:
        own = baskets.get(user, set()) if new_only else set()
        return [s for s in popular if s not in own][:K]

    def buy_again(user: str, new_only: bool) -> list[str]:
        return [] if new_only else [s for s, _ in bought[user].most_common(K)]

    def item_scores(model: ItemModel) -> Callable[[str, bool], list[str]]:
        """The textbook way to rank with an item-item model: x_u · W."""

        def recommend(user: str, new_only: bool) -> list[str]:
            own = [model.index[s] for s in baskets.get(user, ()) if s in model.index]
            if not own:
                return popularity(user, new_only)
            scores = model.weights[own].sum(axis=0)
            if new_only:
                scores[own] = -np.inf
            return [model.items[i] for i in np.argsort(-scores)[:K]]

        return recommend

    methods: dict[str, tuple[Callable[[str, bool], list[str]], float, float]] = {
        "popularity (last 30 days)": (popularity, t_pop, m_pop),
        "buy again": (buy_again, 0.0, 0.0),
        "item-item kNN (cosine)": (item_scores(knn), t_knn, m_knn),
        "EASE (λ = 500)": (item_scores(ease), t_ease, m_ease),
        "Rapport (serving code)": (rapport, t_ease, m_ease),
    }
    print(
        f"cut-off {args.cutoff}: {len(users)} customers evaluated, "
        f"{sum(len(t) for t in truth.values())} test (customer, product) pairs, "
        f"{len(items)} items in the models\n"
    )
    print(
        f"{'method':28} {'R@10 all':>9} {'N@10 all':>9} {'R@10 new':>9} {'N@10 new':>9}"
        f" {'train s':>8} {'peak MiB':>9} {'rank s':>7}"
    )
    for name, (recommend, seconds, peak) in methods.items():
        scores: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        ranking_started = time.perf_counter()
        for user in users:
            for new_only in (False, True):
                wanted = truth[user] - (baskets.get(user, set()) if new_only else set())
                if wanted:
                    scores[new_only].append(metrics(recommend(user, new_only), wanted))
        ranking = time.perf_counter() - ranking_started
        cells = []
        for new_only in (False, True):
            arr = np.array(scores[new_only])
            cells += [f"{arr[:, 0].mean():9.4f}", f"{arr[:, 1].mean():9.4f}"]
        print(f"{name:28} {' '.join(cells)} {seconds:8.2f} {peak:9.1f} {ranking:7.1f}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
