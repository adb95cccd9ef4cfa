"""The ranking rule itself (hub/recs/engine.py), on small hand-made stores: repeat purchase
by habit, how many rebuy slots a shopper gets, product families, reasons that state cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from hub.db import clock_at
from hub.preferences.learning import Interest
from hub.recs import engine, model
from hub.recs.families import family_of
from hub.recs.habits import Habit, habits_from, repeat_share, span
from hub.recs.model import ItemModel, popular_now
from hub.recs.ranker import orders_from
from hub.recs.service import rebuy_reason

NOW = datetime(2010, 6, 15, 12, tzinfo=UTC)


def _catalogue(names: dict[str, str], popular: list[str] | None = None) -> engine.Catalogue:
    # One category per item: the category cap (80 % of a list) stays out of these tests.
    items = engine.items_from([(sku, name, sku, []) for sku, name in names.items()])
    return engine.Catalogue(items, popular or [])


def _bought(sku: str, at: datetime, purchases: int = 1) -> Interest:
    return Interest("p", "product", sku, as_of=at, score=5.0 * purchases, purchases=purchases)


def _shopper(lines: list[tuple[str, datetime]]) -> engine.Shopper:
    counts: dict[str, list[datetime]] = {}
    for sku, at in lines:
        counts.setdefault(sku, []).append(at)
    interests = [_bought(sku, max(times), len(times)) for sku, times in counts.items()]
    return engine.shopper_from(interests, [], 30 * 86400.0, now=NOW, purchases=lines)


def test_a_staple_outranks_a_one_off_bought_lately() -> None:
    staple = [("STAPLE", NOW - timedelta(days=30 * k + 20)) for k in range(6)]
    one_off = [("ONEOFF", NOW - timedelta(days=8))]
    shopper = _shopper(staple + one_off)
    picks = engine.rank(shopper, None, _catalogue({"STAPLE": "Tea Tin", "ONEOFF": "Vase"}), 10)
    assert [p.sku for p in picks] == ["STAPLE", "ONEOFF"]
    assert {p.why for p in picks} == {"REBUY"}


def _model(skus: list[str], pairs: dict[tuple[str, str], float]) -> ItemModel:
    weights = np.zeros((len(skus), len(skus)), dtype=np.float32)
    index = {sku: i for i, sku in enumerate(skus)}
    for (a, b), w in pairs.items():
        weights[index[a], index[b]] = w
    return ItemModel("ease", skus, weights)


def _store() -> tuple[list[str], list[str], ItemModel, engine.Catalogue]:
    owned = [f"OWN{i:02d}" for i in range(12)]
    fresh = [f"NEW{i:02d}" for i in range(12)]
    model = _model(owned + fresh, {(o, n): 1.0 for o, n in zip(owned, fresh, strict=True)})
    names = {sku: f"Thing {sku}" for sku in owned + fresh}  # every item its own family
    return owned, fresh, model, _catalogue(names)


def test_a_customer_who_never_rebuys_gets_few_rebuy_slots() -> None:
    owned, _, model, catalogue = _store()
    # Twelve orders, each of something never bought before or since.
    once_each = [(sku, NOW - timedelta(days=10 * (k + 1))) for k, sku in enumerate(owned)]
    explorer = _shopper(once_each)
    assert explorer.repeat_share < 0.1
    picks = engine.rank(explorer, model, catalogue, 10)
    assert sum(p.why == "REBUY" for p in picks) <= 2, [p.why for p in picks]
    # The same things, each bought again and again: most of the list is theirs to re-buy.
    habitual = _shopper(
        [
            (sku, NOW - timedelta(days=10 * (k + 1) + 100 * r))
            for k, sku in enumerate(owned)
            for r in range(3)
        ]
    )
    assert habitual.repeat_share > 0.6
    picks = engine.rank(habitual, model, catalogue, 10)
    assert sum(p.why == "REBUY" for p in picks) >= 6, [p.why for p in picks]


def test_at_most_two_new_picks_of_one_product_family() -> None:
    warmers = {
        f"HW{i}": f"Hand Warmer {design}"
        for i, design in enumerate(["Owl Design", "Red Polka Dot", "Bird Design", "Union Jack"])
    }
    others = {f"X{i}": f"Lantern {kind}" for i, kind in enumerate(["Zinc", "Glass", "Tin"])}
    catalogue = _catalogue({**warmers, **others}, popular=[*warmers, *others])
    anonymous = engine.rank(engine.Shopper(), None, catalogue, 6)
    families = [family_of(catalogue.items[p.sku].name) for p in anonymous]
    assert families.count("HAND WARMER") == 2, families
    assert len(anonymous) == 5  # the two warmers and the three lanterns: nothing else
    # Their own staples are not new to them: a shopper who buys all four keeps them.
    owner = _shopper([(sku, NOW - timedelta(days=20 * r + 9)) for sku in warmers for r in range(3)])
    mine = engine.rank(owner, None, catalogue, 6)
    assert sum(p.sku in warmers for p in mine) == 4


def test_habits_count_orders_not_lines() -> None:
    at = NOW - timedelta(days=3)
    habits = habits_from([("A", at), ("A", at), ("A", at - timedelta(days=21))], NOW)
    assert habits["A"].orders == 2
    assert habits["A"].interval == timedelta(days=21)
    lines = [("A", at), ("B", at - timedelta(days=9)), ("A", at - timedelta(9))]
    assert repeat_share(orders_from(lines)) == ((1 + 1) / (1 + 2))


def _habit(orders: int, first_days_ago: int, last_days_ago: int, strength: float) -> Habit:
    return Habit(
        orders=orders,
        first=NOW - timedelta(days=first_days_ago),
        last=NOW - timedelta(days=last_days_ago),
        strength=strength,
    )


def test_reasons_state_the_cadence() -> None:
    with clock_at(NOW):
        every_three_weeks = _habit(4, 98, 35, 4.0)
        assert rebuy_reason(every_three_weeks) == (
            "You buy this about every 3 weeks; last time 5 weeks ago"
        )
        once = _habit(1, 13, 13, 1.0)
        assert rebuy_reason(once) == "You bought this on 2 June 2010"
        long_ago = _habit(3, 400, 380, 1.0)
        assert rebuy_reason(long_ago) == (
            "You buy this about every 10 days; last bought on 31 May 2009"
        )
        daily = _habit(3, 12, 10, 3.0)
        assert rebuy_reason(daily) == "You buy this about every day; last time 10 days ago"
        # Two invoices of one day are not a daily habit.
        one_day = NOW - timedelta(days=400)
        same_day = Habit(orders=2, first=one_day, last=one_day + timedelta(hours=1), strength=1.0)
        assert rebuy_reason(same_day) == "You bought this in two orders on 11 May 2009"
        overnight = Habit(
            orders=3,
            first=one_day - timedelta(hours=2),
            last=one_day + timedelta(hours=20),
            strength=1.0,
        )
        assert rebuy_reason(overnight) == "You bought this in 3 orders, the last on 12 May 2009"
        # Two orders are one gap, not a cadence: the gap is said as it was.
        twice = _habit(2, 402, 400, 1.0)
        assert rebuy_reason(twice) == (
            "You bought this twice, 2 days apart; last bought on 11 May 2009"
        )
        recent_pair = _habit(2, 35, 14, 2.0)
        assert rebuy_reason(recent_pair) == (
            "You bought this twice, 3 weeks apart; last time 2 weeks ago"
        )
    assert [span(timedelta(days=d)) for d in (1, 5, 7, 40, 70, 800)] == [
        "a day",
        "5 days",
        "7 days",
        "6 weeks",
        "2 months",
        "2 years",
    ]


def test_popular_now_fills_from_wider_windows() -> None:
    old = [(f"OLD{i}", NOW - timedelta(days=400 + i)) for i in range(5) for _ in range(5 - i)]
    fresh = [("NEW", NOW), ("NEW", NOW - timedelta(days=1)), ("LATE", NOW - timedelta(days=60))]
    ranked = popular_now(old + fresh, window_days=30, limit=4)
    # The month's best seller first, then the quarter's, then all time by count.
    assert ranked == ["NEW", "LATE", "OLD0", "OLD1"]
    assert popular_now([], limit=3) == []


# Seasons: a store with a year and a week of history, its newest purchase in December.
DECEMBER = datetime(2010, 12, 9, 12, tzinfo=UTC)


def _weekly(
    sku: str, since: datetime, until: datetime, per_week: int = 2
) -> list[tuple[str, datetime]]:
    lines, at = [], since
    while at < until:
        lines += [(sku, at + timedelta(hours=h)) for h in range(per_week)]
        at += timedelta(days=7)
    return lines


def _seasons() -> tuple[list[tuple[str, datetime]], dict[str, str]]:
    start = DECEMBER - timedelta(days=372)
    autumn = [
        (datetime(y, 9, 1, tzinfo=UTC), datetime(y, 12, 20, tzinfo=UTC)) for y in (2009, 2010)
    ]
    lines = _weekly("STAPLE", start, DECEMBER)  # all year round
    lines += [x for a, b in autumn for x in _weekly("BAUBLE", max(a, start), b, 4)]
    lines += _weekly("NEWDESIGN", datetime(2010, 9, 1, tzinfo=UTC), DECEMBER)  # this autumn's
    lines += _weekly("NEWVASE", datetime(2010, 4, 1, tzinfo=UTC), DECEMBER)  # launched in spring
    lines += [("RARE", DECEMBER - timedelta(days=370)), ("RARE", DECEMBER - timedelta(days=20))]
    category_of = {"BAUBLE": "christmas", "NEWDESIGN": "christmas", "STAPLE": "home"}
    category_of |= {"NEWVASE": "home", "RARE": "christmas"}
    return lines, category_of


def test_out_of_season_needs_a_year_and_judges_new_items_by_their_category() -> None:
    lines, category_of = _seasons()
    # The bauble sold last autumn and nothing from this week last year to June: out of season,
    # and so is this year's new design of its category; the staple, a new vase of a category
    # that sells all year, and an item with two lines are not.
    assert model.out_of_season(lines, category_of) == ["BAUBLE", "NEWDESIGN"]
    assert model.out_of_season(lines) == ["BAUBLE"]  # without categories: new designs unknown
    # Five days short of a year of history: no season can be told.
    recent = [(sku, at) for sku, at in lines if at > DECEMBER - timedelta(days=360)]
    assert model.out_of_season(recent, category_of) == []
    # In October the coming half-year holds last year's Christmas trade: in season.
    october = DECEMBER - timedelta(days=60)
    before = [(sku, at) for sku, at in lines if at <= october]
    assert model.out_of_season(before, category_of) == []


def test_an_item_out_of_season_comes_after_everything_in_season() -> None:
    staple = [("BAUBLE", NOW - timedelta(days=30 * k + 20)) for k in range(6)]
    one_off = [("VASE", NOW - timedelta(days=8))]
    shopper = _shopper(staple + one_off)
    catalogue = _catalogue({"BAUBLE": "Glass Bauble", "VASE": "Vase"})
    item_model = _model(["BAUBLE", "VASE"], {})
    assert [p.sku for p in engine.rank(shopper, item_model, catalogue, 10)] == ["BAUBLE", "VASE"]
    item_model.out_of_season = ["BAUBLE"]
    picks = engine.rank(shopper, item_model, catalogue, 10)
    assert [p.sku for p in picks] == ["VASE", "BAUBLE"]  # still offered, last; reasons as before
    assert picks[1].why == "REBUY"


def test_a_passer_by_still_sees_what_sells_now() -> None:
    """No history: "popular in store now" is what sells now, in season or not."""
    catalogue = _catalogue({"BAUBLE": "Glass Bauble", "VASE": "Vase"}, popular=["BAUBLE", "VASE"])
    item_model = _model(["BAUBLE", "VASE"], {})
    item_model.out_of_season = ["BAUBLE"]
    picks = engine.rank(_shopper([]), item_model, catalogue, 10)
    assert [p.sku for p in picks] == ["BAUBLE", "VASE"]


def test_the_list_is_taken_in_the_full_sort_order_a_part_at_a_time() -> None:
    """`_in_order` sorts the head of each group first and the rest only when reached; the
    items must come in exactly np.lexsort's order, ties and the out-of-season flag included."""
    rng = np.random.default_rng(14)
    for size, head in [(0, 64), (5, 64), (300, 8), (2_000, 64), (2_000, 1)]:
        chosen = rng.permutation(5_000)[:size]
        sku_order = rng.permutation(size)
        totals = -rng.integers(0, 6, size).astype(float)  # many ties on the score
        key = -np.where(rng.random(size) < 0.3, -np.inf, rng.integers(0, 4, size))
        late = rng.random(size) < 0.2
        for order, flagged in [
            ([sku_order, totals], False),
            ([sku_order, totals, key], False),
            ([sku_order, totals, key, late], True),
        ]:
            expected = chosen[np.lexsort(order)].tolist()
            assert list(engine._in_order(chosen, order, flagged, head)) == expected


def test_what_was_sent_back_as_often_as_bought_is_never_picked_learned_or_not() -> None:
    """The stored returns count against an item whatever learning saw of them (a return made
    while PERSONALIZATION was withdrawn was never learned): returned as often as bought, it is
    excluded; bought again since, it is a staple again."""
    lines = [("A", NOW - timedelta(days=40)), ("B", NOW - timedelta(days=40))]
    interests = [_bought("A", NOW - timedelta(days=40)), _bought("B", NOW - timedelta(days=40))]
    shopper = engine.shopper_from(
        interests, [], 30 * 86400.0, now=NOW, purchases=lines, returns={"A": 1, "C": 1}
    )
    assert shopper.excluded == {("product", "A"), ("product", "C")}
    assert "A" not in shopper.bought and "B" in shopper.bought
    again = [*lines, ("A", NOW - timedelta(days=10))]
    assert engine.sent_back_of(again, {"A": 1}) == set()
    assert engine.sent_back_of(again, {"A": 2}) == {"A"}
