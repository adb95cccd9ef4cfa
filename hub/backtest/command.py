"""`rapport-hub backtest [PATH] [--cutoff DATE …] [--horizon-days N] [--output FILE]`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from hub.backtest import page as backtest_page
from hub.backtest import run as backtest
from hub.backtest import scores as backtest_scores
from hub.backtest import text as backtest_text
from hub.backtest.split import HORIZON_DAYS, parse_day
from hub.settings import Settings, get_settings

DEFAULT_OUTPUT = "rapport-backtest.html"


@dataclass(frozen=True)
class Outcome:
    report: backtest_scores.Report
    page: str


def evaluate(
    path: str,
    cutoffs: Sequence[str] = (),
    horizon_days: int = HORIZON_DAYS,
    settings: Settings | None = None,
    console: Console | None = None,
) -> Outcome:
    """Run the backtest and render its page (raises BacktestError or ValueError)."""
    when = [parse_day(c) for c in cutoffs]
    runs = asyncio.run(
        backtest.run(
            path,
            when or None,
            horizon_days,
            settings or get_settings(),
            console or Console(stderr=True),
        )
    )
    report = backtest_scores.score(runs, path, horizon_days)
    return Outcome(report, backtest_page.render(report))


def main(path: str | None, cutoffs: Sequence[str], horizon_days: int, output: str) -> int:
    settings = get_settings()
    source = path or settings.demo_data_path
    console = Console(stderr=True)
    if not Path(source).is_file():
        console.print(f"[red]no purchase file at {source}[/red]")
        return 2
    if horizon_days < 1:
        console.print("[red]--horizon-days must be at least 1[/red]")
        return 2
    try:
        outcome = evaluate(source, cutoffs, horizon_days, settings, console)
    except (backtest.BacktestError, ValueError, OSError) as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        return 2
    try:
        Path(output).write_text(outcome.page, encoding="utf-8")
    except OSError as error:  # the folder checked at the start, the disk full or gone since
        console.print(f"[red]cannot write {output}: {error.strerror or error}[/red]")
        return 1
    sys.stdout.write(backtest_text.text_table(outcome.report))
    sys.stdout.flush()
    console.print(f"wrote {output}", highlight=False)
    return 0
