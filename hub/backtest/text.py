"""The backtest's figures for a terminal (stdout) and as Markdown (docs/performance.md)."""

from __future__ import annotations

from hub.backtest.run import RAPPORT
from hub.backtest.scores import VIEWS, Report, verdict
from hub.backtest.words import (
    VIEW_SHORT,
    VIEW_TITLES,
    gap,
    segment_verdict,
    summary,
    with_spread,
)


def text_table(report: Report) -> str:
    """One block per cut-off and list, then the summary."""
    lines = []
    for c in report.cutoffs:
        costs = {x.name: x for x in c.costs}
        for view in VIEWS:
            scores = c.views[view]
            lines.append(
                f"\n{c.cutoff:%Y-%m-%d} → {c.end:%Y-%m-%d}  {VIEW_SHORT[view]}  "
                f"({scores.customers:,} customers)"
            )
            lines.append(
                f"  {'method':20} {'recall@10 (95 % CI)':>24} {'NDCG@10':>8} {'hit@10':>7} "
                f"{'Rapport−':>9} {'revenue':>8} {'train s':>8} {'MiB':>6}"
            )
            for m in scores.methods:
                cost = costs[m.name]
                versus = f"{m.versus.value:+.3f}" if m.versus else ""
                revenue = f"{m.revenue.value:.1%}" if m.revenue else ""
                lines.append(
                    f"  {m.name:20} {with_spread(m.recall):>24} {m.ndcg.value:8.3f} "
                    f"{m.hit.value:7.3f} {versus:>9} {revenue:>8} "
                    f"{cost.train_seconds:8.1f} {cost.peak_mib:6.0f}"
                )
    lines.append("")
    lines += [f"* {line}" for line in summary(report)]
    return "\n".join(lines) + "\n"


def markdown(report: Report) -> str:
    """Per list: cut-off × method with intervals; then the costs."""
    out = []
    for view in VIEWS:
        out += [
            f"\n**{VIEW_TITLES[view]}**\n",
            "| cut-off (customers) | method | recall@10 (95 % CI) | NDCG@10 | hit-rate@10 | "
            "Rapport − method, recall@10 | revenue share of hits |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in report.cutoffs:
            for m in c.views[view].methods:
                name = f"**{m.name}**" if m.name == RAPPORT else m.name
                said = f" {verdict(m.versus)}" if m.versus else ""
                out.append(
                    f"| {c.cutoff:%Y-%m-%d} ({c.views[view].customers:,}) | {name} | "
                    f"{with_spread(m.recall)} | {with_spread(m.ndcg)} | {with_spread(m.hit)} | "
                    f"{gap(m.versus)}{said} | {with_spread(m.revenue, '{:.1%}')} |"
                )
    out += [
        "\n| method | settings | training s (per cut-off) | peak MiB | ranking s |",
        "|---|---|---|---|---|",
    ]
    for i, first in enumerate(report.cutoffs[0].costs):
        costs = [c.costs[i] for c in report.cutoffs]
        out.append(
            f"| {first.name} | {first.params} | "
            + " · ".join(f"{x.train_seconds:.1f}" for x in costs)
            + " | "
            + " · ".join(f"{x.peak_mib:.0f}" for x in costs)
            + " | "
            + " · ".join(f"{x.rank_seconds:.1f}" for x in costs)
            + " |"
        )
    return "\n".join(out) + "\n"


def segment_markdown(report: Report) -> str:
    """recall@10 by segment, all cut-offs pooled, against each list's strongest baseline."""
    refs = report.references
    out = [
        f"| segment | customers | Rapport, default | {refs['default']} | verdict | "
        f"customers | Rapport, new | {refs['new']} | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for seg in report.segments:
        cells = [seg.name]
        for view in VIEWS:
            n = seg.customers[view]
            cells += [
                f"{n:,}",
                with_spread(seg.recall[view][RAPPORT]) if n else "",
                with_spread(seg.recall[view][refs[view]]) if n else "",
                segment_verdict(n, seg.versus[view]) if n else "",
            ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
