"""What the benchmarks share: timing a call, the raw-insert floor under ingest, and printing
figures as ratios to a floor."""

from __future__ import annotations

import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Sequence


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


def executemany_floor(raw: sqlite3.Connection, skus: Sequence[str], n: int) -> float:
    """Rows/s of `n` event-shaped rows inserted with stdlib sqlite3's executemany and one
    commit: no validation, resolution, learning, audit or change feed."""
    raw.execute(
        "create table if not exists floor_events (id integer primary key, "
        "message_id text unique, profile_id text, identifier_id integer, type text, "
        "touchpoint text, occurred_at text, received_at text, product_sku text, "
        "quantity integer, price numeric, properties text)"
    )
    at = "2026-01-01"
    rows = [
        (uuid.uuid4().hex, "p", 1, "VIEW", "WEB", at, at, skus[i % len(skus)], None, None, "{}")
        for i in range(n)
    ]
    start = time.perf_counter()
    raw.executemany(
        "insert into floor_events (message_id, profile_id, identifier_id, type, touchpoint, "
        "occurred_at, received_at, product_sku, quantity, price, properties) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    raw.commit()
    return n / (time.perf_counter() - start)


def print_rates(
    floor: float, rates: dict[str, float], width: int = 38, floor_name: str | None = None
) -> None:
    """Events per second, one row per case, and how many times slower than the floor."""
    print(f"{'':{width}} {'events/s':>10} {'floor ÷ this':>13}")
    name = floor_name or "raw sqlite3 executemany (floor)"
    print(f"{name:{width}} {floor:10,.0f} {1.0:13.1f}")
    for name, rate in rates.items():
        print(f"{name:{width}} {rate:10,.0f} {floor / rate:13.1f}")
