"""The learning rule, with a controlled clock: decay, out-of-order events, returns, stability."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from hub.enums import EventType
from hub.preferences.learned import Observation, accumulate
from hub.preferences.learning import Weights, decayed, fold, strength
from hub.settings import Settings

T0 = datetime(2010, 1, 1, tzinfo=UTC)
DAY = 86400.0


def weights(half_life_days: float = 30.0) -> Weights:
    return Weights.from_settings(Settings(affinity_half_life_days=half_life_days))


def obs(
    event: EventType,
    at: datetime,
    sku: str = "A",
    quantity: int | None = None,
    category: str = "tableware",
) -> Observation:
    return Observation("p", event, sku, category, ("vintage",), quantity, at, "KIOSK")


def test_score_follows_the_formula() -> None:
    w = weights()
    score, as_of = fold(0.0, T0, 1.0, T0, w.half_life_seconds)
    assert (score, as_of) == (1.0, T0)
    later = T0 + timedelta(days=30)
    score, as_of = fold(score, as_of, 3.0, later, w.half_life_seconds)
    assert score == pytest.approx(1.0 * 0.5 + 3.0) and as_of == later
    assert decayed(score, as_of, later + timedelta(days=60), w.half_life_seconds) == pytest.approx(
        3.5 * 0.25
    )


def test_late_events_give_the_same_result_in_any_order() -> None:
    w = weights()
    times = [T0, T0 + timedelta(days=3), T0 + timedelta(days=40)]
    in_order = accumulate({}, [obs(EventType.VIEW, t) for t in times], w)
    shuffled = accumulate({}, [obs(EventType.VIEW, t) for t in (times[2], times[0], times[1])], w)
    a, b = in_order[("p", "product", "A")], shuffled[("p", "product", "A")]
    assert a.as_of == b.as_of == times[2]
    assert a.score == pytest.approx(b.score)
    expected = 2 ** (-40 / 30) + 2 ** (-37 / 30) + 1
    assert a.score == pytest.approx(expected)


def test_weights_by_event_type_and_returns_lower() -> None:
    w = weights()
    learned = accumulate(
        {},
        [
            obs(EventType.VIEW, T0),
            obs(EventType.ADD_TO_CART, T0),
            obs(EventType.PURCHASE, T0, quantity=1),
        ],
        w,
    )
    assert learned[("p", "product", "A")].score == pytest.approx(1 + 3 + 5)
    assert learned[("p", "category", "tableware")].score == pytest.approx(9)
    assert learned[("p", "theme", "vintage")].score == pytest.approx(9)
    before = learned[("p", "product", "A")].score
    accumulate(learned, [obs(EventType.RETURN, T0 + timedelta(hours=1), quantity=1)], w)
    after = learned[("p", "product", "A")]
    assert after.score < before and after.returns == 1 and after.purchases == 1
    # Twelve units say more than one, capped at three times.
    big = accumulate({}, [obs(EventType.PURCHASE, T0, quantity=12)], w)
    assert big[("p", "product", "A")].score == pytest.approx(5 * (1 + math.log10(12)))
    huge = accumulate({}, [obs(EventType.PURCHASE, T0, quantity=10**6)], w)
    assert huge[("p", "product", "A")].score == pytest.approx(15)
    # Calls and surveys teach nothing about taste.
    assert accumulate({}, [obs(EventType.CALL, T0), obs(EventType.SURVEY, T0)], w) == {}


def test_years_of_silence_do_not_underflow() -> None:
    w = weights(half_life_days=1)
    score, as_of = fold(0.0, T0, 5.0, T0, w.half_life_seconds)
    # Stored at its own time: still 5, whatever the wall clock says.
    assert score == 5.0 and as_of == T0
    ten_years = T0 + timedelta(days=3650)
    score2, as_of2 = fold(score, as_of, 1.0, ten_years, w.half_life_seconds)
    assert score2 == pytest.approx(1.0) and math.isfinite(score2) and as_of2 == ten_years


def test_stated_likes_outrank_any_learned_interest() -> None:
    assert strength(10**9) < 1.0 and strength(-(10**9)) > -1.0
    assert strength(5) == pytest.approx(5 / 15)
