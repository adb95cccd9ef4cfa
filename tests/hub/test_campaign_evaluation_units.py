"""The statistics of a campaign's evaluation, on hand-made numbers (no hub, no database)."""

from __future__ import annotations

import math

import pytest

from hub.campaigns.evaluation import (
    GroupFigures,
    bootstrap_mean_difference,
    evaluate,
    newcombe_difference,
    rate_ratio,
    wilson,
)


def group(recipients: int, converted: int, each: float = 10.0) -> GroupFigures:
    return GroupFigures(recipients, recipients, 0, converted, (each,) * converted)


def test_wilson_matches_a_textbook_value_and_stays_inside_0_1() -> None:
    # Newcombe (1998), table I: 81/263 → 0.2553 to 0.3662.
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 10)[0] == 0.0 and math.isclose(wilson(10, 10)[1], 1.0)


def test_newcombe_matches_the_published_example() -> None:
    # Newcombe (1998), method 10, example (a): 56/70 − 48/80 → 0.0524 to 0.3339.
    found = newcombe_difference(56, 70, 48, 80)
    assert math.isclose(found.value, 0.2)
    assert (round(found.low, 4), round(found.high, 4)) == (0.0524, 0.3339)


@pytest.mark.parametrize("x1,n1,x2,n2", [(5, 50, 3, 40), (0, 20, 0, 25), (30, 30, 1, 5)])
def test_every_interval_covers_its_point_estimate(x1: int, n1: int, x2: int, n2: int) -> None:
    d = newcombe_difference(x1, n1, x2, n2)
    assert d.low <= d.value <= d.high
    r = rate_ratio(x1, n1, x2, n2)
    assert r is None or r.low <= r.value <= r.high
    b = bootstrap_mean_difference([1.0] * x1 + [0.0] * (n1 - x1), [2.0] * x2 + [0.0] * (n2 - x2))
    assert b.low <= b.value <= b.high


def test_a_clear_difference_is_significant_and_said_so() -> None:
    found = evaluate(group(200, 60, 25.0), group(200, 10, 25.0))
    assert found.conversion_difference is not None and found.conversion_difference.low > 0
    assert found.conversion_ratio is not None and found.conversion_ratio.low > 1
    revenue = found.revenue_per_recipient_difference
    assert revenue is not None and revenue.low > 0
    assert math.isclose(revenue.value, 25.0 * 60 / 200 - 25.0 * 10 / 200)
    assert found.verdict.startswith("treated converted more than control: ")
    worse = evaluate(group(200, 10), group(200, 60))
    assert worse.verdict.startswith("treated converted less than control: ")


def test_identical_groups_show_no_lift() -> None:
    found = evaluate(group(120, 12), group(120, 12))
    for estimate, null in (
        (found.conversion_difference, 0.0),
        (found.conversion_ratio, 1.0),
        (found.revenue_per_recipient_difference, 0.0),
    ):
        assert estimate is not None and estimate.low < null < estimate.high
        assert not estimate.excludes(null)
    assert found.verdict.startswith("no significant lift: the interval covers zero")


def test_the_bootstrap_is_reproducible_and_counts_non_buyers_as_zero() -> None:
    treated = GroupFigures(10, 10, 0, 2, (30.0, 10.0))
    control = GroupFigures(5, 0, 0, 1, (5.0,))
    assert treated.revenue_per_recipient == 4.0 and control.revenue_per_recipient == 1.0
    first, again = evaluate(treated, control), evaluate(treated, control)
    assert first == again
    assert first.revenue_per_recipient_difference is not None
    assert first.revenue_per_recipient_difference.value == 3.0


def test_without_a_control_group_there_is_nothing_to_compare() -> None:
    found = evaluate(group(10, 3), GroupFigures(0, 0, 0, 0))
    assert found.conversion_difference is None and found.revenue_per_recipient_difference is None
    assert found.control.conversion_rate is None
    assert found.verdict == "nothing to compare: no control group"
    assert rate_ratio(0, 10, 3, 10) is None


def test_the_report_shows_a_section_per_campaign_with_its_verdict() -> None:
    from datetime import UTC, datetime

    from hub.recs.evaluation import Evaluation as RecsEvaluation
    from hub.recs.evaluation import GroupStats
    from hub.report import CampaignSection, render

    now = datetime(2026, 11, 24, tzinfo=UTC)
    nothing = RecsEvaluation(now, now, None, GroupStats(), GroupStats(), [], [])
    assert "No campaign has run yet." in render(nothing, 5.0)
    page = render(
        nothing,
        5.0,
        campaigns=[
            CampaignSection("Autumn <mailing>", now, now, evaluate(group(200, 60), group(200, 10))),
            CampaignSection("A/A check", now, now, evaluate(group(120, 12), group(120, 12))),
        ],
    )
    assert "No campaign has run yet." not in page
    assert "Autumn &lt;mailing&gt;" in page and "A/A check" in page
    assert "Verdict: treated converted more than control: " in page
    assert "Verdict: no significant lift: the interval covers zero" in page
    assert "<tr><td>converted (bought in the window)</td><td>60</td><td>10</td></tr>" in page
