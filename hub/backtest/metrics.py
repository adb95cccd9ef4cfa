"""Ranking metrics and bootstrap intervals for the backtest.

recall@k = hits / min(k, |bought|) (a list of k cannot hold more); NDCG@k with binary relevance
(the ideal list puts min(k, |bought|) hits first); hit-rate@k = 1 when any pick was bought.
Intervals are percentile bootstraps over customers: the same resampled customers serve every
method of one cut-off, so differences between methods are paired.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

K = 10
RESAMPLES = 1000
SEED = 14  # fixed: the same data gives the same intervals


def recall(ranked: Sequence[str], bought: Collection[str], k: int = K) -> float:
    if not bought:
        return 0.0
    hits = sum(1 for sku in ranked[:k] if sku in bought)
    return hits / min(k, len(bought))


def ndcg(ranked: Sequence[str], bought: Collection[str], k: int = K) -> float:
    if not bought:
        return 0.0
    dcg = sum(1 / math.log2(i + 2) for i, sku in enumerate(ranked[:k]) if sku in bought)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(bought))))
    return dcg / ideal


def hit(ranked: Sequence[str], bought: Collection[str], k: int = K) -> float:
    return 1.0 if any(sku in bought for sku in ranked[:k]) else 0.0


@dataclass(frozen=True)
class Interval:
    """A point estimate and its 95 % bootstrap interval."""

    value: float
    low: float
    high: float

    def covers_zero(self) -> bool:
        return self.low <= 0.0 <= self.high


def draws(n: int, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """(resamples, n) customer indices drawn with replacement."""
    rng = np.random.default_rng(seed)
    picked: np.ndarray = rng.integers(0, max(n, 1), size=(resamples, n))
    return picked


def mean_interval(values: np.ndarray, picks: np.ndarray) -> Interval:
    """The mean and its percentile interval over the resamples in `picks`."""
    if len(values) == 0:
        return Interval(0.0, 0.0, 0.0)
    means = values[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Interval(float(values.mean()), float(low), float(high))


def ratio_interval(numerators: np.ndarray, denominators: np.ndarray, picks: np.ndarray) -> Interval:
    """Σ numerators / Σ denominators (e.g. revenue share) and its interval."""
    total = float(denominators.sum())
    if len(numerators) == 0 or total == 0:
        return Interval(0.0, 0.0, 0.0)
    ratios = numerators[picks].sum(axis=1) / np.maximum(denominators[picks].sum(axis=1), 1e-12)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return Interval(float(numerators.sum()) / total, float(low), float(high))
