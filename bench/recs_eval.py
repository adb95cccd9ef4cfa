"""Recommendations on the real Online Retail II data: the rolling-origin backtest.

Usage: .venv/bin/python bench/recs_eval.py [--data PATH] [--cutoff DATE …] [--horizon-days N]
                                           [--output FILE]

Runs `rapport-hub backtest` (hub/backtest/run.py): at each cut-off a fresh store seeded with
the history before it answers through the served recommendation service, beside popularity,
frequency buy-again, item-kNN, EASE and TIFU-KNN trained on the same purchases; every list is
scored on the following six months. Prints the figures as Markdown for docs/performance.md
(the table there is this script's output) and writes the HTML page.

This replaces the single split at 2010-09-01 that this script ran until 2026-12 (issue 14):
one three-month window after one cut-off flattered the blend.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.assembly import assemble
from hub.backtest import text as backtest_text
from hub.backtest.command import evaluate
from hub.backtest.split import HORIZON_DAYS

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--cutoff", action="append", default=[])
    parser.add_argument("--horizon-days", type=int, default=HORIZON_DAYS)
    parser.add_argument("--output", default="rapport-backtest.html")
    args = parser.parse_args()
    started = time.perf_counter()
    assemble()  # the lifecycle hooks, as `rapport-hub backtest` has them
    outcome = evaluate(args.data, args.cutoff, args.horizon_days)
    Path(args.output).write_text(outcome.page, encoding="utf-8")
    report = outcome.report
    print(backtest_text.text_table(report))
    print("## Markdown\n")
    print(backtest_text.markdown(report))
    print(backtest_text.segment_markdown(report))
    print(f"total {time.perf_counter() - started:.0f} s; page: {args.output}")


if __name__ == "__main__":
    main()
