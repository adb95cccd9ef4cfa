"""From the backtest's answers to figures: per cut-off and view, per segment, and in words.

Two views: the default list scored on everything each customer bought in the horizon, and the
newOnly list scored on the products new to the customer (customers with none left out). The
headline figures count customers with history before the cut-off; first-time buyers are a
segment of their own. Each view is compared with its reference: the baseline with the best
average recall@10 over the cut-offs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from hub.backtest import metrics
from hub.backtest.metrics import Interval
from hub.backtest.run import RAPPORT, Answers, CutoffRun
from hub.backtest.split import Customer, history_group

VIEWS = ("default", "new")
BUY_AGAIN = "frequency buy-again"
# In the new-items view buy-again has none of its own items left: it is the popularity list.
LEFT_OUT = {"new": {BUY_AGAIN}}


@dataclass(frozen=True)
class MethodScore:
    name: str
    recall: Interval
    ndcg: Interval
    hit: Interval
    versus: Interval | None  # recall@10, the served path minus this method (paired)
    revenue: Interval | None  # default view: share of horizon spend on picked products


@dataclass(frozen=True)
class ViewScore:
    view: str
    customers: int
    methods: list[MethodScore]

    def of(self, name: str) -> MethodScore:
        return next(m for m in self.methods if m.name == name)


@dataclass(frozen=True)
class Cost:
    name: str
    params: str
    train_seconds: float
    peak_mib: float
    rank_seconds: float


@dataclass(frozen=True)
class CutoffScore:
    cutoff: datetime
    end: datetime
    customers: int  # scored, with history
    first_timers: int  # bought in the horizon, no order before
    views: dict[str, ViewScore]
    costs: list[Cost]
    kinds: Counter[str]  # the served default picks, by reason kind
    store_seconds: float
    events: int


@dataclass(frozen=True)
class SegmentScore:
    group: str
    name: str
    customers: dict[str, int]  # per view: customers × cut-offs
    recall: dict[str, dict[str, Interval]]  # view → method → recall@10
    versus: dict[str, Interval]  # view → served minus the view's reference, paired


@dataclass(frozen=True)
class Report:
    path: str
    horizon_days: int
    cutoffs: list[CutoffScore]
    segments: list[SegmentScore]
    references: dict[str, str]  # view → the strongest baseline's name
    methods: list[str]  # every method, the served path first

    def average(self, view: str, name: str) -> float:
        return float(np.mean([c.views[view].of(name).recall.value for c in self.cutoffs]))


@dataclass
class _Values:
    """Per-customer figures of one view at one cut-off, every method aligned."""

    customers: list[Customer]
    recall: dict[str, np.ndarray]
    ndcg: dict[str, np.ndarray]
    hit: dict[str, np.ndarray]
    spent: np.ndarray
    hit_spend: dict[str, np.ndarray]

    def subset(self, mask: np.ndarray) -> _Values:
        return _Values(
            [c for c, keep in zip(self.customers, mask, strict=True) if keep],
            {k: v[mask] for k, v in self.recall.items()},
            {k: v[mask] for k, v in self.ndcg.items()},
            {k: v[mask] for k, v in self.hit.items()},
            self.spent[mask],
            {k: v[mask] for k, v in self.hit_spend.items()},
        )


def score(runs: Sequence[CutoffRun], path: str, horizon_days: int) -> Report:
    names = [a.name for a in runs[0].answers]
    values = [{view: _values(run, view) for view in VIEWS} for run in runs]
    headline = [{v: vals[v].subset(_known(vals[v])) for v in VIEWS} for vals in values]
    references = {view: _reference(headline, view, names) for view in VIEWS}
    cutoffs = [
        _cutoff_score(run, heads, references) for run, heads in zip(runs, headline, strict=True)
    ]
    segments = _segments(runs, values, references, names)
    return Report(path, horizon_days, cutoffs, segments, references, names)


def _known(values: _Values) -> np.ndarray:
    return np.array([c.known for c in values.customers], dtype=bool)


def _truth(customer: Customer, view: str) -> frozenset[str]:
    return customer.bought if view == "default" else customer.new


def _values(run: CutoffRun, view: str) -> _Values:
    customers = [c for c in run.split.customers if _truth(c, view)]
    spent = np.array([sum(c.spend.values()) for c in customers])
    out = _Values(customers, {}, {}, {}, spent, {})
    for answers in run.answers:
        lists = [_picks(answers, view)[c.id] for c in customers]
        truths = [_truth(c, view) for c in customers]
        out.recall[answers.name] = _each(metrics.recall, lists, truths)
        out.ndcg[answers.name] = _each(metrics.ndcg, lists, truths)
        out.hit[answers.name] = _each(metrics.hit, lists, truths)
        out.hit_spend[answers.name] = np.array(
            [
                sum(c.spend.get(s, 0.0) for s in set(p))
                for c, p in zip(customers, lists, strict=True)
            ]
        )
    return out


def _picks(answers: Answers, view: str) -> dict[str, list[str]]:
    return answers.default if view == "default" else answers.new


def _each(
    metric: Callable[[Sequence[str], frozenset[str]], float],
    lists: Sequence[list[str]],
    truths: Sequence[frozenset[str]],
) -> np.ndarray:
    return np.array([metric(p, t) for p, t in zip(lists, truths, strict=True)], dtype=float)


def _reference(headline: Sequence[dict[str, _Values]], view: str, names: Sequence[str]) -> str:
    """The baseline with the best recall@10 on average over the cut-offs."""
    candidates = [n for n in names if n != RAPPORT and n not in LEFT_OUT.get(view, set())]
    return max(candidates, key=lambda n: np.mean([h[view].recall[n].mean() for h in headline]))


def _cutoff_score(
    run: CutoffRun, headline: dict[str, _Values], references: dict[str, str]
) -> CutoffScore:
    views = {}
    for view in VIEWS:
        vals = headline[view]
        picks = metrics.draws(len(vals.customers))
        shown = [n for n in vals.recall if n not in LEFT_OUT.get(view, set())]
        views[view] = ViewScore(
            view, len(vals.customers), [_method(vals, name, view, picks) for name in shown]
        )
    served = run.answers[0]
    return CutoffScore(
        run.split.cutoff,
        run.split.end,
        views["default"].customers,
        sum(1 for c in run.split.customers if not c.known),
        views,
        [Cost(a.name, a.params, a.train_seconds, a.peak_mib, a.rank_seconds) for a in run.answers],
        served.kinds,
        run.store_seconds,
        run.events,
    )


def _method(vals: _Values, name: str, view: str, picks: np.ndarray) -> MethodScore:
    versus = None
    if name != RAPPORT:
        versus = metrics.mean_interval(vals.recall[RAPPORT] - vals.recall[name], picks)
    revenue = None
    if view == "default":
        revenue = metrics.ratio_interval(vals.hit_spend[name], vals.spent, picks)
    return MethodScore(
        name,
        metrics.mean_interval(vals.recall[name], picks),
        metrics.mean_interval(vals.ndcg[name], picks),
        metrics.mean_interval(vals.hit[name], picks),
        versus,
        revenue,
    )


def _memberships(run: CutoffRun, customer: Customer) -> list[tuple[str, str]]:
    """The segments a customer is in; first-time buyers only in their own."""
    found = [("By history before the cut-off", history_group(customer.orders_before))]
    if not customer.known:
        return found
    country = "United Kingdom" if customer.country == "United Kingdom" else "other countries"
    found.append(("By country (customers with history)", country))
    found += [
        ("Saved segments, as of each cut-off (customers with history)", name)
        for name, ids in run.saved.items()
        if customer.id in ids
    ]
    return found


def _segments(
    runs: Sequence[CutoffRun],
    values: Sequence[dict[str, _Values]],
    references: dict[str, str],
    names: Sequence[str],
) -> list[SegmentScore]:
    """Every segment's figures, customers of all cut-offs pooled."""
    keys: list[tuple[str, str]] = []
    for run in runs:
        for customer in run.split.customers:
            keys += [k for k in _memberships(run, customer) if k not in keys]
    keys.sort(key=_segment_order)
    found = []
    for group, name in keys:
        pooled = {
            view: _pool(
                [
                    vals[view].subset(_in_segment(run, vals[view], group, name))
                    for run, vals in zip(runs, values, strict=True)
                ]
            )
            for view in VIEWS
        }
        found.append(_segment_score(group, name, pooled, references, names))
    return found


def _segment_order(key: tuple[str, str]) -> tuple[int, int, str]:
    groups = ["By history", "By country", "Saved segments"]
    history = [
        "first order in the horizon",
        "1 order before",
        "2–4 orders before",
        "5 or more orders before",
    ]
    rank = history.index(key[1]) if key[1] in history else 0
    group = next(i for i, g in enumerate(groups) if key[0].startswith(g))
    return group, rank, key[1]


def _in_segment(run: CutoffRun, vals: _Values, group: str, name: str) -> np.ndarray:
    return np.array([(group, name) in _memberships(run, c) for c in vals.customers], dtype=bool)


def _pool(parts: Sequence[_Values]) -> _Values:
    def joined(field: str) -> dict[str, np.ndarray]:
        names = getattr(parts[0], field)
        return {n: np.concatenate([getattr(p, field)[n] for p in parts]) for n in names}

    return _Values(
        [c for p in parts for c in p.customers],
        joined("recall"),
        joined("ndcg"),
        joined("hit"),
        np.concatenate([p.spent for p in parts]),
        joined("hit_spend"),
    )


def _segment_score(
    group: str,
    name: str,
    pooled: dict[str, _Values],
    references: dict[str, str],
    names: Sequence[str],
) -> SegmentScore:
    recall: dict[str, dict[str, Interval]] = {}
    versus: dict[str, Interval] = {}
    for view, vals in pooled.items():
        picks = metrics.draws(len(vals.customers))
        shown = [n for n in names if n not in LEFT_OUT.get(view, set())]
        recall[view] = {n: metrics.mean_interval(vals.recall[n], picks) for n in shown}
        gap = vals.recall[RAPPORT] - vals.recall[references[view]]
        versus[view] = metrics.mean_interval(gap, picks)
    counts = {view: len(vals.customers) for view, vals in pooled.items()}
    return SegmentScore(group, name, counts, recall, versus)


def verdict(gap: Interval | None) -> str:
    """The served path against another method, from the paired interval of the difference."""
    if gap is None:
        return ""
    if gap.low > 0:
        return "wins"
    if gap.high < 0:
        return "loses"
    return "no clear difference"
