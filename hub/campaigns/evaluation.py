"""The statistics of a campaign's evaluation: treated against control, pure (no database).

Conversion is a proportion per group; its lift is the difference of the two rates with a
Newcombe hybrid score interval (built from the groups' Wilson intervals, well behaved for small
groups and rates near 0) and the ratio with a log (Katz) interval. Revenue per recipient is a
mean over every recipient (non-buyers count as 0); its lift is the difference of the means with
a percentile bootstrap over recipients, resampled within each group with a fixed seed, so the
same figures always give the same interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

Z95 = 1.959963984540054
RESAMPLES = 1000
SEED = 15  # issue 15: any fixed seed makes the report reproducible


@dataclass(frozen=True)
class GroupFigures:
    """One group's counts; `revenues` holds the in-window revenue of each buyer (others 0)."""

    recipients: int
    reached: int
    responded: int
    converted: int
    revenues: tuple[float, ...] = ()

    @property
    def revenue(self) -> float:
        return float(sum(self.revenues))

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.recipients if self.recipients else None

    @property
    def revenue_per_recipient(self) -> float | None:
        return self.revenue / self.recipients if self.recipients else None


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its 95 % interval."""

    value: float
    low: float
    high: float

    def excludes(self, null: float) -> bool:
        return not self.low <= null <= self.high


@dataclass(frozen=True)
class Evaluation:
    treated: GroupFigures
    control: GroupFigures
    conversion_difference: Estimate | None
    conversion_ratio: Estimate | None
    revenue_per_recipient_difference: Estimate | None
    verdict: str
    aa_check: bool = False  # nobody was sent anything: no lift is expected
    note: str | None = None  # how to read it, in plain words (A/A checks)


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if trials <= 0:
        raise ValueError("no trials")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int) -> Estimate:
    """p1 − p2 with Newcombe's hybrid score interval (method 10 of Newcombe 1998)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1)
    l2, u2 = wilson(x2, n2)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Estimate(d, low, high)


def rate_ratio(x1: int, n1: int, x2: int, n2: int) -> Estimate | None:
    """p1 / p2 with the log (Katz) interval; None when either group has no conversion."""
    if x1 == 0 or x2 == 0:
        return None
    ratio = (x1 / n1) / (x2 / n2)
    se = math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    return Estimate(ratio, ratio * math.exp(-Z95 * se), ratio * math.exp(Z95 * se))


def _padded(group: GroupFigures) -> np.ndarray:
    values = np.zeros(group.recipients, dtype=float)
    values[: len(group.revenues)] = group.revenues
    return values


def bootstrap_mean_difference(
    treated: npt.ArrayLike, control: npt.ArrayLike, resamples: int = RESAMPLES, seed: int = SEED
) -> Estimate:
    """mean(treated) − mean(control), 95 % percentile interval from resampling each group's
    recipients with replacement (a fixed seed: the same data, the same interval)."""
    a, b = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    if not len(a) or not len(b):
        raise ValueError("an empty group")
    rng = np.random.default_rng(seed)
    means_a = np.empty(resamples)
    means_b = np.empty(resamples)
    step = max(1, 2_000_000 // max(len(a), len(b)))  # bounded memory for large audiences
    for start in range(0, resamples, step):
        k = min(step, resamples - start)
        means_a[start : start + k] = a[rng.integers(0, len(a), size=(k, len(a)))].mean(axis=1)
        means_b[start : start + k] = b[rng.integers(0, len(b), size=(k, len(b)))].mean(axis=1)
    diffs = means_a - means_b
    low, high = np.quantile(diffs, [0.025, 0.975])
    return Estimate(float(a.mean() - b.mean()), float(low), float(high))


def _points(x: float) -> str:
    return f"{x * 100:+.1f}".replace("-", "−")


def _money(x: float) -> str:
    return ("−" if x < 0 else "+") + f"£{abs(x):.2f}"


def verdict(
    conversion: Estimate | None, revenue: Estimate | None, treated: int, control: int
) -> str:
    """The evaluation in plain words, led by the conversion difference's interval."""
    if not treated or not control:
        return "nothing to compare: " + ("no control group" if not control else "no one treated")
    assert conversion is not None
    span = (
        f"conversion {_points(conversion.value)} points, 95 % interval "
        f"{_points(conversion.low)} to {_points(conversion.high)}"
    )
    if revenue is not None:
        span += (
            f"; revenue per recipient {_money(revenue.value)}, 95 % interval "
            f"{_money(revenue.low)} to {_money(revenue.high)}"
        )
    if conversion.low > 0:
        return f"treated converted more than control: {span}"
    if conversion.high < 0:
        return f"treated converted less than control: {span}"
    return f"no significant lift: the interval covers zero ({span})"


def evaluate(treated: GroupFigures, control: GroupFigures, aa_check: bool = False) -> Evaluation:
    """Treated against control; for an A/A check (`aa_check`) with a note on how to read it."""
    difference = ratio = revenue = None
    if treated.recipients and control.recipients:
        difference = newcombe_difference(
            treated.converted, treated.recipients, control.converted, control.recipients
        )
        ratio = rate_ratio(
            treated.converted, treated.recipients, control.converted, control.recipients
        )
        revenue = bootstrap_mean_difference(_padded(treated), _padded(control))
    found = Evaluation(
        treated,
        control,
        difference,
        ratio,
        revenue,
        verdict(difference, revenue, treated.recipients, control.recipients),
    )
    return replace(found, aa_check=True, note=aa_note(found)) if aa_check else found


def aa_note(found: Evaluation) -> str:
    """How to read an A/A check's evaluation, in plain words: nobody was sent anything."""
    text = (
        "This is an A/A check: no mailing was sent. Both groups are customers of the segment, "
        "split at random at the run and then left alone, so no lift is expected."
    )
    conversion, revenue = found.conversion_difference, found.revenue_per_recipient_difference
    if conversion is None:
        return text + " There is nothing to compare yet."
    if conversion.excludes(0.0):
        return text + (
            " Yet the conversion interval excludes zero: chance alone does that in about one "
            "check in twenty. If it happens again, look for what splits the groups unevenly."
        )
    text += (
        " The verdict is no significant lift, as it should be: the conversion interval covers "
        "zero, so the difference between the groups is chance. Read a real campaign the same "
        "way: only a lift whose interval stays clear of zero tells a mailing apart from chance."
    )
    if revenue is not None and revenue.excludes(0.0):
        text += (
            " Revenue per recipient differs beyond its interval here: with few recipients, one "
            "or two very large customers landing in one group move the mean that far by chance "
            "alone. Trust a revenue lift only on a large audience, with conversion agreeing."
        )
    return text
