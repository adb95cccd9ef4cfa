"""What the benchmarks share: timing a call, and printing figures as ratios to a floor."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(n: int, call: Callable[[], object]) -> list[float]:
    """Milliseconds of `n` sequential calls."""
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def print_ratios(results: dict[str, list[float]], floor: str, width: int = 30) -> None:
    """Median, p95 and median ÷ the floor's median, one row per measured call."""
    base = statistics.median(results[floor])
    print(f"{'':{width}} {'median ms':>10} {'p95 ms':>8} {'× floor':>8}")
    for name, samples in results.items():
        p95 = statistics.quantiles(samples, n=20)[18]
        median = statistics.median(samples)
        print(f"{name:{width}} {median:10.2f} {p95:8.2f} {median / base:8.2f}")
