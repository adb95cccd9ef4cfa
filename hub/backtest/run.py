"""`rapport-hub backtest`: the served recommender against baselines, rolling origin.

For each cut-off, with the hub's clock at the cut-off (hub.db.clock_at):
1. a fresh store, a temporary SQLite file, seeded by `seed_store` (the code behind
   `rapport-hub seed-demo`) with only the file's lines before the cut-off, learning included;
2. the serving model trained by `training.retrain`, as `rapport-hub retrain` does;
3. every customer who bought in the horizon asked for picks through `recs.service.recommend`,
   the function behind `Profile.recommendations`, with the arguments that resolver passes for
   `recommendations(touchpoint: WEB, first: 10)` and again with `context: {newOnly: true}`.
   The holdout is off (0 %), so no customer is on the non-personal picks; customers without a
   profile yet (first order in the horizon) get the anonymous answer.
Beside it the baselines (hub/backtest/baselines.py) rank from the same purchases before the
cut-off. Scoring and the page are in scores.py and page.py.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.backtest import baselines
from hub.backtest import split as backtest_split
from hub.backtest.metrics import K
from hub.backtest.split import Split
from hub.catalog.demo_data import LineRow, read_lines
from hub.db import Database, clock_at, remember_reads
from hub.demo.seed import seed_store
from hub.migrate import upgrade
from hub.profiles import service as profiles
from hub.recs import service as recs
from hub.recs import training
from hub.settings import Settings
from hub.weights import Weights

RAPPORT = "Rapport (served)"
HOLDOUT_NOTE = (
    "Holdout off: every customer with a profile was asked with RAPPORT_HOLDOUT_PERCENT = 0, so "
    "none got the non-personal picks the holdout gets in production."
)
T = TypeVar("T")


class BacktestError(Exception):
    """The data or the cut-offs cannot make a backtest (said in plain words)."""


@dataclass
class Answers:
    """One method's picks at one cut-off, and what it cost."""

    name: str
    params: str
    train_seconds: float
    peak_mib: float
    rank_seconds: float
    default: dict[str, list[str]]
    new: dict[str, list[str]]
    kinds: Counter[str] = field(default_factory=Counter)  # the served picks' reasons


@dataclass
class CutoffRun:
    split: Split
    answers: list[Answers]  # the served path first
    saved: dict[str, set[str]]  # saved segment → its customers (CRM ids) at the cut-off
    store_seconds: float
    events: int


async def run(
    path: str,
    cutoffs: Sequence[datetime] | None,
    horizon_days: int,
    settings: Settings,
    console: Console,
) -> list[CutoffRun]:
    """Every cut-off in turn (the default ones when none are given)."""
    lines = list(read_lines(path))
    if not lines:
        raise BacktestError(f"{path} holds no purchases of known customers")
    chosen = list(cutoffs or _defaults(lines))
    _check(chosen, lines)
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with _quiet("hub.recs"), Progress(*columns, console=console) as progress:
        overall = progress.add_task("backtest: cut-offs done", total=len(chosen))
        runs = []
        for cutoff in chosen:
            runs.append(await _cutoff(lines, path, cutoff, horizon_days, settings, progress))
            progress.advance(overall)
    return runs


def _defaults(lines: Sequence[LineRow]) -> list[datetime]:
    times = [ln.occurred_at for ln in lines]
    return backtest_split.default_cutoffs(min(times), max(times))


def _check(cutoffs: Sequence[datetime], lines: Sequence[LineRow]) -> None:
    first = min(ln.occurred_at for ln in lines)
    last = max(ln.occurred_at for ln in lines)
    for cutoff in cutoffs:
        if not first < cutoff <= last:
            raise BacktestError(
                f"cut-off {cutoff:%Y-%m-%d} is outside the data "
                f"({first:%Y-%m-%d} to {last:%Y-%m-%d}): history before it and purchases "
                "after it are both needed"
            )


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Keep a logger's INFO lines from tearing through the progress bar."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


async def _cutoff(
    lines: Sequence[LineRow],
    path: str,
    cutoff: datetime,
    horizon_days: int,
    settings: Settings,
    progress: Progress,
) -> CutoffRun:
    """One cut-off in its own throw-away store."""
    folder = Path(tempfile.mkdtemp(prefix="rapport-backtest-"))
    url = f"sqlite+aiosqlite:///{folder / 'store.db'}"
    store_settings = settings.model_copy(update={"database_url": url, "holdout_percent": 0.0})
    try:
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        try:
            with clock_at(cutoff):
                return await _in_store(
                    db, lines, path, cutoff, horizon_days, store_settings, progress
                )
        finally:
            await db.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _in_store(
    db: Database,
    lines: Sequence[LineRow],
    path: str,
    cutoff: datetime,
    horizon_days: int,
    settings: Settings,
    progress: Progress,
) -> CutoffRun:
    label = f"{cutoff:%d %b %Y}"
    step = progress.add_task(f"{label}: building the store", total=None)
    started = time.perf_counter()
    seeded = await seed_store(db, settings, path, progress.console, until=cutoff, progress=progress)
    store_seconds = time.perf_counter() - started
    progress.update(step, description=f"{label}: training the served model")
    _, train_seconds, peak = await _measured_async(lambda: training.retrain(db))
    split = backtest_split.build(lines, cutoff, horizon_days, seeded.skus)
    progress.remove_task(step)
    weights = Weights.from_settings(settings)
    served = await _served(db, split, seeded.owners, weights, progress, label)
    served.train_seconds, served.peak_mib = train_seconds, peak
    answers = [served, *_baselines(split, progress, label)]
    saved = await _saved_segments(db, seeded.owners, weights)
    return CutoffRun(split, answers, saved, store_seconds, seeded.added)


async def _served(
    db: Database,
    split: Split,
    owners: dict[str, tuple[str, int]],
    weights: Weights,
    progress: Progress,
    label: str,
) -> Answers:
    """Ask the hub's own recommendation service for every scored customer."""
    recs.serving.forget()  # this store's catalogue and model, not a previous cut-off's
    task = progress.add_task(f"{label}: asking Rapport", total=len(split.customers))
    params = (
        "the hub's ranking: EASE + habits blend (hub/recs/engine.py), re-ranked for customers "
        "with purchases by the LightGBM LambdaRank model retrain learns (hub/recs/ranker.py)"
    )
    answers = Answers(RAPPORT, params, 0.0, 0.0, 0.0, {}, {})
    anonymous: list[str] | None = None
    started = time.perf_counter()
    for customer in split.customers:
        owner = owners.get(customer.id)
        if owner is None:
            if anonymous is None:
                anonymous = await _ask(db, None, weights, False, answers.kinds)
            answers.default[customer.id] = answers.new[customer.id] = anonymous
        else:
            answers.default[customer.id] = await _ask(db, owner[0], weights, False, answers.kinds)
            answers.new[customer.id] = await _ask(db, owner[0], weights, True, None)
        progress.advance(task)
    answers.rank_seconds = time.perf_counter() - started
    progress.remove_task(task)
    return answers


async def _ask(
    db: Database,
    profile_id: str | None,
    weights: Weights,
    new_only: bool,
    kinds: Counter[str] | None,
) -> list[str]:
    """One request's worth: a read session as the resolver has, then the service call."""
    async with db.sessions() as session:
        remember_reads(session)
        profile = await profiles.get_live(session, profile_id) if profile_id else None
        picks = await recs.recommend(
            session,
            profile.id if profile else None,
            profile.version if profile else 0,
            K,
            weights,
            holdout_percent=0.0,
            viewing=None,
            new_only=new_only,
        )
    if kinds is not None:
        kinds.update(p.kind for p in picks)
    return [p.product.sku for p in picks]


def _baselines(split: Split, progress: Progress, label: str) -> list[Answers]:
    methods = baselines.standard()
    task = progress.add_task(f"{label}: baselines", total=len(methods))
    found = []
    ids = [c.id for c in split.customers]
    for method in methods:
        _, train_seconds, peak = _measured(partial(method.fit, split.history))
        started = time.perf_counter()
        default = baselines.recommend(method, split.history, ids, K)
        new = baselines.recommend(method, split.history, ids, K, new_only=True)
        rank_seconds = time.perf_counter() - started
        found.append(
            Answers(method.name, method.params, train_seconds, peak, rank_seconds, default, new)
        )
        progress.advance(task)
    progress.remove_task(task)
    return found


def _measured(work: Callable[[], T]) -> tuple[T, float, float]:
    """Run `work`; its result, seconds and peak traced memory in MiB."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = work()
        return result, time.perf_counter() - started, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def _measured_async(work: Callable[[], Awaitable[T]]) -> tuple[T, float, float]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = await work()
        return result, time.perf_counter() - started, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def _saved_segments(
    db: Database, owners: dict[str, tuple[str, int]], weights: Weights
) -> dict[str, set[str]]:
    """Each saved segment's members as of the cut-off (the clock is there), by CRM id."""
    from hub.segments import service as segments

    crm_of = {profile_id: crm for crm, (profile_id, _) in owners.items()}
    found: dict[str, set[str]] = {}
    async with db.sessions() as session:
        for item in await segments.compiled(session):
            members: set[str] = set()
            async for _, reasons in segments.members(session, item, weights):
                members.update(crm_of[p] for p in reasons if p in crm_of)
            found[item.segment.name] = members
    return found
