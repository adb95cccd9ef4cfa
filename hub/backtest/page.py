"""The backtest as one HTML page: inline SVG, no script, nothing fetched, every text escaped.

It leads with what a merchandiser needs in a minute, where Rapport wins or loses against the
simple rules in words; then dot-and-whisker charts per list, revenue, segments and costs.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, select_autoescape

from hub.backtest.metrics import Interval
from hub.backtest.run import RAPPORT
from hub.backtest.scores import VIEWS, CutoffScore, Report, verdict
from hub.backtest.words import (
    VIEW_TITLES,
    day,
    horizon_words,
    notes,
    segment_verdict,
    spread,
    summary,
    value,
)

_BLUE, _AMBER, _GREY = "#2f6fde", "#c2410c", "#6b7280"
_KINDS = {
    "REBUY": "bought before",
    "COLLABORATIVE": "goes with their items",
    "INTEREST": "their interests",
    "POPULAR": "popular",
    "UPSELL": "a step up",
}


@dataclass(frozen=True)
class Cell:
    text: str
    sub: str = ""  # a second, smaller grey line (an interval)
    tone: str = ""  # "wins", "loses", "l" (left-aligned) …


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    kind: str = ""  # "group" (a header row across the table) or "served"


# ---------------------------------------------------------------- charts


def axis(top: float) -> list[float]:
    """Round ticks from 0 to at least `top`, at most five steps of 1, 2, 2.5 or 5 × 10^k."""
    if top <= 0:
        return [0.0, 0.25, 0.5, 0.75, 1.0]
    magnitude = 10.0 ** math.floor(math.log10(top / 5))
    step = next(f * magnitude for f in (1.0, 2.0, 2.5, 5.0, 10.0) if f * magnitude * 5 >= top)
    return [round(step * i, 10) for i in range(math.ceil(top / step - 1e-9) + 1)]


def tick_label(at: float, percent: bool) -> str:
    return f"{round(at * 100, 8):g}%" if percent else f"{at:g}"


@dataclass(frozen=True)
class _Frame:
    top: float
    row_h: float
    axis_y: float
    ticks: list[float]
    percent: bool

    @property
    def fmt(self) -> str:
        return "{:.0%}" if self.percent else "{:.2f}"


def dot_chart(
    panels: Sequence[tuple[str, dict[str, Interval]]],
    rows: Sequence[str],
    reference: str,
    percent: bool = False,
) -> str:
    """Dot-and-whisker small multiples: one panel per cut-off, one row per method."""
    label_w, width, row_h, top, bottom = 170, 1040, 28, 40, 30
    panel_w = (width - label_w) / max(len(panels), 1)
    height = top + row_h * len(rows) + bottom
    highs = [iv.high for _, values in panels for iv in values.values()]
    frame = _Frame(top, row_h, height - bottom, axis(max(highs, default=0.0) * 1.15), percent)
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
    ]
    for i, name in enumerate(rows):
        y = top + row_h * i
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{y}" width="{width}" height="{row_h}" fill="#f5f7fa"/>')
        weight = "600" if name in (RAPPORT, reference) else "400"
        out.append(
            f'<text x="{label_w - 12}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="13" font-weight="{weight}">{html.escape(name)}</text>'
        )
    for p, (title, values) in enumerate(panels):
        out.append(_panel(label_w + p * panel_w, panel_w, title, values, rows, reference, frame))
    out.append("</svg>")
    return "".join(out)


def _panel(
    x0: float,
    panel_w: float,
    title: str,
    values: dict[str, Interval],
    rows: Sequence[str],
    reference: str,
    frame: _Frame,
) -> str:
    inner = panel_w - 48  # room either side for the end tick labels

    def x(at: float) -> float:
        return x0 + 16 + inner * max(0.0, at) / frame.ticks[-1]

    out = [
        f'<text x="{x0 + 16:.1f}" y="{frame.top - 16}" font-size="13" font-weight="600">'
        f"{html.escape(title)}</text>"
    ]
    for tick in frame.ticks:
        out.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{frame.top - 4}" '
            f'y2="{frame.axis_y}" stroke="#dde2ea"/><text x="{x(tick):.1f}" '
            f'y="{frame.axis_y + 16}" font-size="11" text-anchor="middle" fill="#5b6472">'
            f"{tick_label(tick, frame.percent)}</text>"
        )
    for i, name in enumerate(rows):
        if (iv := values.get(name)) is not None:
            y = frame.top + frame.row_h * i + frame.row_h / 2
            out.append(_dot(iv, name, y, x, reference, frame.fmt))
    return "".join(out)


def _dot(
    iv: Interval, name: str, y: float, x: Callable[[float], float], reference: str, fmt: str
) -> str:
    colour = _BLUE if name == RAPPORT else _AMBER if name == reference else _GREY
    label = f"{name}: {fmt.format(iv.value)} (95 % {fmt.format(iv.low)}–{fmt.format(iv.high)})"
    return (
        f"<g><title>{html.escape(label)}</title>"
        f'<line x1="{x(iv.low):.1f}" x2="{x(iv.high):.1f}" y1="{y:.1f}" y2="{y:.1f}" '
        f'stroke="{colour}" stroke-width="2.5"/>'
        f'<circle cx="{x(iv.value):.1f}" cy="{y:.1f}" r="5.5" fill="{colour}"/>'
        f'<text x="{x(iv.high) + 6:.1f}" y="{y + 4:.1f}" font-size="11" fill="#1d2430">'
        f"{html.escape(fmt.format(iv.value))}</text></g>"
    )


def _panel_title(c: CutoffScore, view: str) -> str:
    return f"{day(c.cutoff)} · {c.views[view].customers:,} customers"


def view_chart(report: Report, view: str) -> str:
    rows = [m.name for m in report.cutoffs[0].views[view].methods]
    panels = [
        (_panel_title(c, view), {m.name: m.recall for m in c.views[view].methods})
        for c in report.cutoffs
    ]
    return dot_chart(panels, rows, report.references[view])


def revenue_chart(report: Report) -> str:
    rows = [m.name for m in report.cutoffs[0].views["default"].methods]
    panels = [
        (
            _panel_title(c, "default"),
            {m.name: m.revenue for m in c.views["default"].methods if m.revenue},
        )
        for c in report.cutoffs
    ]
    return dot_chart(panels, rows, report.references["default"], percent=True)


# ---------------------------------------------------------------- tables


def _figure(iv: Interval | None, fmt: str = "{:.3f}") -> Cell:
    return Cell(value(iv, fmt), spread(iv, fmt))


def _verdict_cell(said: str) -> Cell:
    return Cell(said, tone=said if said in ("wins", "loses") else "")


def view_rows(report: Report, view: str) -> list[Row]:
    rows = []
    for c in report.cutoffs:
        title = f"cut-off {day(c.cutoff)}, scored to {day(c.end)}"
        rows.append(Row([Cell(title)], "group"))
        for m in c.views[view].methods:
            served = m.name == RAPPORT
            versus = m.versus
            rows.append(
                Row(
                    [
                        Cell(m.name, tone="l"),
                        _figure(m.recall),
                        _figure(m.ndcg),
                        _figure(m.hit),
                        Cell(f"{versus.value:+.3f}", f"{versus.low:+.3f} to {versus.high:+.3f}")
                        if versus
                        else Cell("—"),
                        _verdict_cell(verdict(versus)) if versus else Cell(""),
                        _figure(m.revenue, "{:.1%}") if view == "default" else Cell(""),
                    ],
                    "served" if served else "",
                )
            )
    return rows


def segment_rows(report: Report) -> list[Row]:
    rows: list[Row] = []
    group = ""
    for seg in report.segments:
        if seg.group != group:
            group = seg.group
            rows.append(Row([Cell(group)], "group"))
        cells = [Cell(seg.name, tone="l")]
        for view in VIEWS:
            n = seg.customers[view]
            if n == 0:
                cells += [Cell("0"), Cell(""), Cell(""), Cell("")]
                continue
            cells += [
                Cell(f"{n:,}"),
                _figure(seg.recall[view][RAPPORT]),
                _figure(seg.recall[view][report.references[view]]),
                _verdict_cell(segment_verdict(n, seg.versus[view])),
            ]
        rows.append(Row(cells))
    return rows


def cost_rows(report: Report) -> list[Row]:
    rows = []
    for i, first in enumerate(report.cutoffs[0].costs):
        costs = [c.costs[i] for c in report.cutoffs]
        rows.append(
            Row(
                [
                    Cell(first.name, tone="l"),
                    Cell(first.params, tone="l"),
                    Cell(" · ".join(f"{x.train_seconds:.1f}" for x in costs)),
                    Cell(" · ".join(f"{x.peak_mib:.0f}" for x in costs)),
                    Cell(" · ".join(f"{x.rank_seconds:.1f}" for x in costs)),
                ]
            )
        )
    return rows


def kind_rows(report: Report) -> tuple[list[str], list[Row]]:
    kinds = [k for k in _KINDS if any(c.kinds.get(k) for c in report.cutoffs)]
    rows = []
    for c in report.cutoffs:
        total = sum(c.kinds.values()) or 1
        cells = [Cell(day(c.cutoff), tone="l")]
        cells += [Cell(f"{c.kinds.get(k, 0) / total:.0%}") for k in kinds]
        rows.append(Row(cells))
    return [f"{_KINDS[k]} ({k})" for k in kinds], rows


# ---------------------------------------------------------------- page

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Rapport backtest: do the picks beat simple rules?</title>
<style>
 body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
        color: #1d2430; padding: 0 1rem }
 h1 { font-size: 1.6rem; margin-bottom: .2rem } h2 { font-size: 1.2rem; margin-top: 2.2rem }
 .sub { color: #5b6472; margin-top: 0 }
 .summary { background: #f3f6fb; border-left: 4px solid #2f6fde; padding: .8rem 1.2rem;
            border-radius: 6px }
 .summary li { margin: .35rem 0 }
 .legend span { display: inline-block; width: .8rem; height: .8rem; border-radius: 50%;
                margin: 0 .3rem 0 1rem; vertical-align: -1px }
 table { border-collapse: collapse; width: 100%; font-size: .88rem; margin-top: .6rem }
 td, th { padding: .3rem .5rem; border-bottom: 1px solid #eef1f5; text-align: right;
          vertical-align: top }
 th { font-weight: 600; vertical-align: bottom }
 .l { text-align: left }
 .ci { display: block; color: #7a8391; font-size: .78rem; white-space: nowrap }
 tr.group td { font-weight: 600; background: #f5f7fa; text-align: left }
 tr.served td { color: #1f4fae; font-weight: 600 }
 td.wins { color: #1a7f37; font-weight: 600 } td.loses { color: #b42318; font-weight: 600 }
 .notes li { color: #3d4654; margin: .3rem 0 }
 code { font-size: .85rem }
</style></head><body>
{% macro table(heads, rows, testid, left=1) %}
<table data-testid="{{ testid }}"><tr>{% for h in heads %}
 <th class="{{ 'l' if loop.index <= left else '' }}">{{ h }}</th>{% endfor %}</tr>
{% for row in rows %}{% if row.kind == "group" %}
 <tr class="group"><td colspan="{{ heads | length }}">{{ row.cells[0].text }}</td></tr>
{% else %}<tr class="{{ row.kind }}">{% for c in row.cells %}<td class="{{ c.tone }}">
 {{ c.text }}{% if c.sub %}<span class="ci">{{ c.sub }}</span>{% endif %}</td>{% endfor %}</tr>
{% endif %}{% endfor %}</table>
{% endmacro %}
<h1>Do Rapport's picks beat simple rules?</h1>
<p class="sub">A backtest on {{ source }}: at each cut-off the hub knew only the history before
 it, and its picks are scored on what customers really bought in the following {{ horizon }}.
 Made {{ made }}.</p>
<div class="summary" data-testid="summary"><strong>In one minute</strong><ul>
{% for line in summary %}<li>{{ line }}</li>{% endfor %}
</ul></div>
<p class="sub legend"><span style="background:#2f6fde"></span>Rapport (the served picks)
 <span style="background:#c2410c"></span>strongest baseline
 <span style="background:#6b7280"></span>other baselines · dot: recall@10, line: its 95 %
 interval</p>
{% for view in views %}
<h2>{{ view.title }}</h2>
<div data-testid="chart-{{ view.key }}">{{ view.chart | safe }}</div>
{{ table(view.heads, view.rows, "table-" ~ view.key) }}
{% endfor %}
<h2>Revenue share of hits</h2>
<p class="sub">Of what the scored customers spent in the horizon, the share spent on products
 that were among their ten default picks.</p>
<div data-testid="chart-revenue">{{ revenue_chart | safe }}</div>
<h2>By segment</h2>
<p class="sub">recall@10 with 95 % intervals, the customers of all cut-offs together; the
 verdict compares Rapport with each list's strongest baseline on the same customers.</p>
{{ table(segment_heads, segments, "table-segments") }}
<h2>What the served picks are made of</h2>
<p class="sub">Share of Rapport's default picks by the reason it gives the customer.</p>
{{ table(kind_heads, kinds, "table-kinds") }}
<h2>What each method costs</h2>
<p class="sub">Per cut-off, in order. Training: for Rapport <code>retrain</code> on the store
 (EASE and popular-now), for the baselines their fit; ranking: both lists for every scored
 customer (for Rapport through the service, store reads included).</p>
{{ table(cost_heads, costs, "table-costs", 2) }}
<h2>How this was measured</h2>
<ul class="notes">{% for line in notes %}<li>{{ line }}</li>{% endfor %}</ul>
<p class="sub">Made by <code>rapport-hub backtest</code>.</p>
</body></html>"""

_VIEW_HEADS = [
    "method",
    "recall@10",
    "NDCG@10",
    "hit-rate@10",
    "Rapport minus this (recall@10)",
    "verdict",
]


def _segment_heads(refs: dict[str, str]) -> list[str]:
    per_view = [["customers", f"Rapport, {v}", refs[v], "verdict"] for v in VIEWS]
    return ["segment", *per_view[0], *per_view[1]]


def render(report: Report) -> str:
    views = [
        {
            "key": view,
            "title": VIEW_TITLES[view],
            "chart": view_chart(report, view),
            "heads": _VIEW_HEADS + (["revenue share of hits"] if view == "default" else [""]),
            "rows": view_rows(report, view),
        }
        for view in VIEWS
    ]
    refs = report.references
    kind_heads, kinds = kind_rows(report)
    env = Environment(autoescape=select_autoescape(default=True))
    return env.from_string(_PAGE).render(
        source=Path(report.path).name,
        horizon=horizon_words(report.horizon_days),
        made=f"{datetime.now():%d %b %Y %H:%M}",
        summary=summary(report),
        views=views,
        revenue_chart=revenue_chart(report),
        segment_heads=_segment_heads(refs),
        segments=segment_rows(report),
        kind_heads=["cut-off", *kind_heads],
        kinds=kinds,
        cost_heads=["method", "settings", "training s", "peak MiB", "ranking s"],
        costs=cost_rows(report),
        notes=notes(report),
    )
