"""The backtest's parts on hand-made data: metrics, intervals, baselines, the clock, the split."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from hub.backtest import baselines, metrics
from hub.backtest import split as backtest_split
from hub.backtest.baselines import History, Purchase
from hub.catalog.demo_data import LineRow, message_id_for, read_catalog, read_lines
from hub.db import clock_at, utcnow
from tests.conftest import SAMPLE

T0 = datetime(2010, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------- metrics


def test_recall_ndcg_and_hit_rate_exact_values() -> None:
    ranked = ["a", "b", "c", "d"]
    bought = {"b", "d", "x"}
    assert metrics.recall(ranked, bought) == pytest.approx(2 / 3)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert metrics.ndcg(ranked, bought) == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(5)) / ideal
    )
    assert metrics.hit(ranked, bought) == 1.0
    # At k = 2 only "b" counts, out of at most two.
    assert metrics.recall(ranked, bought, k=2) == pytest.approx(0.5)
    assert metrics.ndcg(["b", "d"], bought, k=2) == pytest.approx(1.0)
    assert metrics.hit(["a", "c"], bought) == 0.0
    assert metrics.recall(ranked, set()) == 0.0


def test_recall_caps_the_denominator_at_k() -> None:
    bought = {f"s{i}" for i in range(30)}
    ranked = [f"s{i}" for i in range(10)]
    assert metrics.recall(ranked, bought) == 1.0
    assert metrics.ndcg(ranked, bought) == pytest.approx(1.0)


def test_bootstrap_interval_holds_the_estimate_and_is_repeatable() -> None:
    values = np.random.default_rng(3).random(400)
    picks = metrics.draws(len(values))
    found = metrics.mean_interval(values, picks)
    assert found.low <= found.value <= found.high
    assert found.value == pytest.approx(values.mean())
    assert 0.4 < found.low < found.high < 0.6
    assert metrics.mean_interval(values, metrics.draws(len(values))) == found
    flat = metrics.mean_interval(np.full(50, 0.25), metrics.draws(50))
    assert (flat.low, flat.value, flat.high) == pytest.approx((0.25, 0.25, 0.25))
    assert not flat.covers_zero()


def test_ratio_interval_is_a_share_of_sums() -> None:
    hits = np.array([10.0, 0.0, 30.0, 5.0])
    spent = np.array([20.0, 10.0, 30.0, 40.0])
    found = metrics.ratio_interval(hits, spent, metrics.draws(4))
    assert found.value == pytest.approx(45 / 100)
    assert found.low <= found.value <= found.high


# ---------------------------------------------------------------- baselines


def _history(rows: list[tuple[str, str, str, int]], popular: list[str]) -> History:
    """(customer, sku, order, day) rows."""
    return History(
        [Purchase(c, sku, order, T0 + timedelta(days=d)) for c, sku, order, d in rows], popular
    )


def test_buy_again_ranks_a_staple_above_an_item_bought_once_lately() -> None:
    rows = [("c1", "STAPLE", f"o{i}", i) for i in range(6)]
    rows += [("c1", "ONCE", "o9", 30), ("c1", "OLD", "o0", 0)]
    rows += [("c2", "POP", "p1", 1), ("c3", "POP", "p2", 2)]
    history = _history(rows, ["POP", "OTHER"])
    method = baselines.BuyAgain()
    method.fit(history)
    picks = baselines.recommend(method, history, ["c1", "new-customer"], k=4)
    # Six orders first; of the two bought once, the more recent; then the most popular.
    assert picks["c1"] == ["STAPLE", "ONCE", "OLD", "POP"]
    assert picks["new-customer"][0] == "POP"


def test_popularity_follows_the_list_and_new_only_leaves_out_own_items() -> None:
    rows = [("c1", "A", "o1", 1), ("c2", "B", "o2", 2), ("c3", "C", "o3", 3)]
    history = _history(rows, ["B", "A", "C"])
    method = baselines.Popularity()
    method.fit(history)
    assert baselines.recommend(method, history, ["c1"], k=3)["c1"] == ["B", "A", "C"]
    assert baselines.recommend(method, history, ["c1"], k=3, new_only=True)["c1"] == ["B", "C"]


def _co_bought() -> History:
    """A and B go together for many customers; C and D are bought alone."""
    rows = []
    for i in range(8):
        rows += [(f"u{i}", "A", f"o{i}", i), (f"u{i}", "B", f"o{i}", i)]
    for i in range(8, 14):
        rows += [(f"u{i}", "C", f"o{i}", i)]
    for i in range(14, 18):
        rows += [(f"u{i}", "D", f"o{i}", i)]
    rows += [("me", "A", "mine", 20)]
    return _history(rows, ["C", "D", "A", "B"])


@pytest.mark.parametrize("method", [baselines.ItemKnn(), baselines.Ease(10.0)])
def test_item_models_pick_what_goes_with_the_customers_item(method: baselines.Method) -> None:
    history = _co_bought()
    method.fit(history)
    assert baselines.recommend(method, history, ["me"], k=1, new_only=True)["me"] == ["B"]
    # Without a history of their own: the popular list.
    assert baselines.recommend(method, history, ["stranger"], k=2)["stranger"] == ["C", "D"]


def test_tifu_knn_weighs_recent_baskets_and_neighbours() -> None:
    rows = [("me", "OLD", "m1", 1), ("me", "NEW", "m2", 50)]
    for i in range(5):  # customers like me also buy EXTRA
        rows += [(f"n{i}", "OLD", f"a{i}", 2), (f"n{i}", "NEW", f"b{i}", 40)]
        rows += [(f"n{i}", "EXTRA", f"b{i}", 40)]
    rows += [("x", "LONER", "x1", 3)]
    history = _history(rows, ["LONER", "EXTRA", "OLD", "NEW"])
    method = baselines.TifuKnn(neighbours=3)
    method.fit(history)
    picks = baselines.recommend(method, history, ["me"], k=3)["me"]
    assert picks[:2] == ["NEW", "OLD"]  # the newer basket counts more (r_g, r_b < 1)
    assert picks[2] == "EXTRA"  # from the neighbours, above the more popular LONER


def test_tifu_knn_groups_baskets_in_runs_the_longer_last() -> None:
    assert baselines._runs(10, 7) == [(0, 1), (1, 1), (2, 1), (3, 1), (4, 2), (6, 2), (8, 2)]
    assert baselines._runs(3, 7) == [(0, 1), (1, 1), (2, 1)]
    assert baselines._runs(0, 7) == []
    method = baselines.TifuKnn(within=0.5, across=0.5, groups=2)
    # Two runs of one basket: the older weighs r_g / 2, the newer 1 / 2.
    assert method.vector([frozenset({0}), frozenset({1})]) == {0: 0.25, 1: 0.5}


def test_every_standard_baseline_fills_its_list() -> None:
    history = _co_bought()
    for method in baselines.standard():
        method.fit(history)
        picks = baselines.recommend(method, history, ["me", "u1", "nobody"], k=3)
        assert all(len(p) == 3 and len(set(p)) == 3 for p in picks.values()), method.name


# ---------------------------------------------------------------- the clock


def test_utcnow_is_the_wall_clock_outside_the_override() -> None:
    before = datetime.now(UTC)
    assert before <= utcnow() <= datetime.now(UTC)


def test_clock_at_sets_utcnow_and_restores_it() -> None:
    moment = datetime(2010, 3, 1, tzinfo=UTC)
    with clock_at(moment):
        assert utcnow() == moment
        with clock_at(moment + timedelta(days=1)):
            assert utcnow() == moment + timedelta(days=1)
        assert utcnow() == moment
    assert utcnow() > moment + timedelta(days=365)
    with pytest.raises(RuntimeError), clock_at(moment):
        raise RuntimeError("boom")
    assert utcnow() > moment + timedelta(days=365)
    with pytest.raises(ValueError):
        with clock_at(datetime(2010, 3, 1)):
            pass


async def test_clock_at_reaches_tasks_and_threads_it_starts_but_no_others() -> None:
    moment = datetime(2010, 6, 15, tzinfo=UTC)
    inside = asyncio.Event()
    seen_outside: list[datetime] = []

    async def elsewhere() -> None:
        await inside.wait()
        seen_outside.append(utcnow())

    other = asyncio.create_task(elsewhere())  # started before the override
    with clock_at(moment):
        inside.set()
        assert await asyncio.create_task(asyncio.sleep(0, utcnow())) == moment
        assert await asyncio.to_thread(utcnow) == moment
        await other
    assert seen_outside[0] > moment + timedelta(days=365)


# ---------------------------------------------------------------- the data and the split


def test_read_lines_until_keeps_earlier_lines_with_the_same_ids() -> None:
    until = datetime(2010, 5, 1, tzinfo=UTC)
    everything = list(read_lines(SAMPLE))
    before = list(read_lines(SAMPLE, until=until))
    assert before and all(line.occurred_at < until for line in before)
    assert [message_id_for(x) for x in before] == [
        message_id_for(x) for x in everything if x.occurred_at < until
    ]
    catalogue = read_catalog(SAMPLE, until=until)
    assert 0 < len(catalogue) < len(read_catalog(SAMPLE))
    assert all(p.first_sold < until for p in catalogue)


def _line(customer: str, sku: str, invoice: str, day: int, price: str = "2.00") -> LineRow:
    return LineRow(
        invoice, 0, sku, 3, Decimal(price), T0 + timedelta(days=day), customer, "France",
        invoice.startswith("C"),
    )  # fmt: skip


def test_split_scores_horizon_buyers_on_catalogue_items() -> None:
    lines = [
        _line("c1", "A", "1", 1),
        _line("c1", "A", "2", 5),
        _line("c1", "B", "3", 7),
        _line("c1", "A", "10", 12),  # horizon: a re-buy,
        _line("c1", "C", "10", 12),  # a new item,
        _line("c1", "LATER", "10", 12),  # not in the catalogue at the cut-off,
        _line("c1", "B", "C11", 13),  # a return (not a purchase)
        _line("c2", "B", "12", 14),  # a first-time buyer
        _line("c3", "A", "13", 40),  # after the horizon
    ]
    cutoff = T0 + timedelta(days=10)
    split = backtest_split.build(lines, cutoff, 20, {"A", "B", "C"})
    assert split.end == cutoff + timedelta(days=20)
    assert [c.id for c in split.customers] == ["c1", "c2"]
    c1, c2 = split.customers
    assert c1.bought == {"A", "C"} and c1.new == {"C"}
    assert c1.orders_before == 3 and c1.known and c1.country == "France"
    assert c1.spend == {"A": 6.0, "C": 6.0}
    assert not c2.known and c2.new == {"B"}
    assert split.history.customers == ["c1"]


def test_default_cutoffs_are_the_standard_dates_when_the_data_covers_them() -> None:
    first, last = datetime(2009, 12, 1, tzinfo=UTC), datetime(2010, 12, 9, tzinfo=UTC)
    assert [f"{c:%Y-%m-%d}" for c in backtest_split.default_cutoffs(first, last)] == [
        "2010-03-01",
        "2010-05-01",
        "2010-06-15",
    ]
    late = backtest_split.default_cutoffs(
        datetime(2011, 1, 1, tzinfo=UTC), datetime(2011, 11, 1, tzinfo=UTC)
    )
    assert len(late) == 3 and all(
        datetime(2011, 1, 1, tzinfo=UTC) < c < datetime(2011, 11, 1, tzinfo=UTC) for c in late
    )
