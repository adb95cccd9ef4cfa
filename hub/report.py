"""`rapport-hub report`: one HTML page on whether personalisation pays (inline SVG, no CDN)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, select_autoescape

from hub.campaigns.evaluation import Estimate
from hub.campaigns.evaluation import Evaluation as CampaignEvaluation
from hub.recs.evaluation import Evaluation, Lift

_LABELS = {
    "conversion": ("Conversion", "share of active customers who bought", "{:.1%}"),
    "average_order_value": ("Average order value", "per order", "£{:,.2f}"),
    "revenue_per_customer": ("Revenue per customer", "per active customer", "£{:,.2f}"),
    "purchase_frequency": ("Orders per customer", "orders per active customer", "{:.2f}"),
    "click_through": ("Click-through on picks", "clicks per impression", "{:.1%}"),
    "attributed_revenue_per_customer": (
        "Revenue from picks",
        "per active customer, bought within 7 days of being shown",
        "£{:,.2f}",
    ),
}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rapport — does personalisation pay?</title>
<style>
 body { font: 16px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
        color: #1d2430; }
 h1 { font-size: 1.7rem; margin-bottom: .2rem } .sub { color: #5b6472; margin-top: 0 }
 .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 1rem; }
 .card { border: 1px solid #dde2ea; border-radius: 10px; padding: 1rem 1.2rem; }
 .card h2 { font-size: 1.05rem; margin: 0 }
 .card p { margin: .2rem 0 .6rem; color: #5b6472; font-size: .9rem }
 .lift { font-weight: 600 } .up { color: #1a7f37 } .down { color: #b42318 } .flat { color: #5b6472 }
 table { border-collapse: collapse; margin-top: 1.5rem; width: 100% }
 td, th { padding: .35rem .6rem; border-bottom: 1px solid #eef1f5; text-align: right }
 td:first-child, th:first-child { text-align: left }
 .legend span { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px;
                margin: 0 .3rem 0 1rem }
</style></head><body>
<h1>Does personalisation pay?</h1>
<p class="sub">{{ start }} – {{ end }}{% if touchpoint %} · {{ touchpoint }}{% endif %} ·
 personalised customers against a holdout of {{ holdout_percent }} % who only ever get popular,
 non-personal picks · {{ p.customers }} and {{ h.customers }} active customers
 {% if not (p.impressions or h.impressions) %}· <strong>no picks were shown in this window, so
 the two groups differ by chance alone</strong>{% endif %}
 <span class="legend"><span style="background:#2f6fde"></span>personalised
 <span style="background:#9aa4b2"></span>holdout</span></p>
{% if backtest %}<p class="sub" data-testid="backtest-link">And before anyone saw a pick:
 <a href="{{ backtest }}">how the picks did on past purchases, against simple rules
 (the backtest)</a>.</p>{% endif %}
<div class="grid">
{% for card in cards %}
 <div class="card"><h2>{{ card.title }}</h2><p>{{ card.what }}</p>{{ card.svg | safe }}
 <div class="lift {{ card.tone }}">{{ card.verdict }}</div></div>
{% endfor %}
</div>
<table><tr><th></th><th>personalised</th><th>holdout</th></tr>
{% for row in table %}
 <tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td><td>{{ row[2] }}</td></tr>
{% endfor %}
</table>
<h2 style="font-size:1.2rem;margin-top:2rem">What customers said to agents' suggestions</h2>
{% if actions %}
<table><tr><th>next best action</th><th>taken up</th><th>declined</th><th>taken up, share</th></tr>
{% for row in actions %}
 <tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td><td>{{ row[2] }}</td><td>{{ row[3] }}</td></tr>
{% endfor %}
</table>
{% else %}
<p class="sub">No next best action was answered in this window.</p>
{% endif %}
<h2 style="font-size:1.2rem;margin-top:2rem">Direct marketing: each campaign against its control
 group</h2>
{% for c in campaigns %}
<section class="card" style="margin-top:1rem" data-testid="campaign">
 <h2>{{ c.name }}</h2>
 {% if c.aa_check %}<p>{{ c.window }} · A/A check: {{ c.treated }} in the test group and
 {{ c.control }} in the control group, nobody in either sent anything · a purchase in the window
 counts as a conversion</p>
 {% else %}<p>{{ c.window }} · {{ c.treated }} sent, {{ c.control }} held out and sent nothing ·
 a purchase in the window counts as a conversion, code or not</p>{% endif %}
 {% if c.note %}<p data-testid="campaign-note">{{ c.note }}</p>{% endif %}
 <div class="grid">
 {% for card in c.cards %}<div><p>{{ card.title }}: treated against control</p>{{ card.svg | safe }}
 <div class="lift {{ card.tone }}">{{ card.verdict }}</div></div>{% endfor %}
 </div>
 <table><tr><th></th><th>treated</th><th>control</th></tr>
 {% for row in c.table %}
  <tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td><td>{{ row[2] }}</td></tr>
 {% endfor %}
 </table>
 <p class="lift {{ c.tone }}" style="margin-top:.6rem">Verdict: {{ c.verdict }}</p>
</section>
{% else %}
<p class="sub">No campaign has run yet.</p>
{% endfor %}
<p class="sub" style="margin-top:1.5rem">Made by <code>rapport-hub report</code> at {{ made }}.
 Intervals are 95 % (Wald for shares, Welch for means); a lift whose interval spans zero is
 not yet told apart from chance. Campaigns: Newcombe (Wilson score) intervals for the
 difference in conversion, a bootstrap over recipients (1,000 resamples, fixed seed) for revenue
 per recipient; the control group's "reached" is 0 by design.</p>
</body></html>"""


# The kinds of next best action (hub/segments/actions.py), as an operator reads them.
_ACTION_KINDS = {
    "SERVICE": "Service follow-ups",
    "OFFER": "Segment offers",
    "RECOMMENDATION": "Personal picks",
    "CONSENT": "Consent asks",
    "DATA_QUALITY": "Profile upkeep",
}


def _bars(p: float, h: float, fmt: str, low: float | None, high: float | None) -> str:
    top = max(p, h, 1e-9) * 1.15
    width, height, base = 300, 120, 100

    def bar(x: int, value: float, colour: str) -> str:
        tall = value / top * (base - 10)
        return (
            f'<rect x="{x}" y="{base - tall:.1f}" width="90" height="{tall:.1f}" rx="4" '
            f'fill="{colour}"/><text x="{x + 45}" y="{base - tall - 4:.1f}" '
            f'text-anchor="middle" font-size="13">{html.escape(fmt.format(value))}</text>'
        )

    whisker = ""
    if low is not None and high is not None:
        # The interval of the difference, drawn around the personalised bar's top.
        y1 = base - (h + low) / top * (base - 10)
        y2 = base - (h + high) / top * (base - 10)
        whisker = (
            f'<line x1="105" x2="105" y1="{max(y1, 8):.1f}" y2="{max(y2, 8):.1f}" '
            f'stroke="#1d2430" stroke-width="2"/>'
        )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">'
        f"{bar(60, p, '#2f6fde')}{bar(170, h, '#9aa4b2')}{whisker}"
        f'<line x1="40" x2="280" y1="{base}" y2="{base}" stroke="#c7ced9"/></svg>'
    )


def _verdict(lift: Lift) -> tuple[str, str]:
    if lift.personalized == 0 and lift.holdout == 0:
        return "Nothing to compare yet", "flat"
    if lift.lift is None:
        return "No holdout data yet", "flat"
    sure = lift.low is not None and lift.high is not None and (lift.low > 0 or lift.high < 0)
    words = f"{lift.lift:+.1%} against holdout"
    if lift.low is None:
        return words, "up" if lift.lift > 0 else "down" if lift.lift < 0 else "flat"
    if not sure:
        return words + " (not yet significant)", "flat"
    return words, "up" if lift.lift > 0 else "down"


@dataclass(frozen=True)
class CampaignSection:
    """One run campaign for the page: its name, window and evaluation."""

    name: str
    starts_at: datetime
    ends_at: datetime
    evaluation: CampaignEvaluation


def _signed_pounds(x: float) -> str:
    return ("−" if x < 0 else "+") + f"£{abs(x):,.2f}"


def _signed_points(x: float) -> str:
    return f"{x * 100:+.1f} points".replace("-", "−")


def _lift_words(found: Estimate | None, fmt: Callable[[float], str]) -> tuple[str, str]:
    if found is None:
        return "Nothing to compare", "flat"
    words = (
        f"{fmt(found.value)} against control (95 % interval {fmt(found.low)} to {fmt(found.high)})"
    )
    if not found.excludes(0.0):
        return words + ", not significant", "flat"
    return words, "up" if found.value > 0 else "down"


def _campaign(section: CampaignSection) -> dict[str, object]:
    found = section.evaluation
    t, c = found.treated, found.control
    conversion, conversion_tone = _lift_words(found.conversion_difference, _signed_points)
    revenue, revenue_tone = _lift_words(found.revenue_per_recipient_difference, _signed_pounds)
    diff, money = found.conversion_difference, found.revenue_per_recipient_difference
    ratio = found.conversion_ratio

    def share(x: float | None) -> str:
        return "–" if x is None else f"{x:.1%}"

    def pounds(x: float | None) -> str:
        return "–" if x is None else f"£{x:,.2f}"

    return {
        "name": section.name,
        "window": f"{section.starts_at:%d %b %Y} – {section.ends_at:%d %b %Y}",
        "treated": t.recipients,
        "control": c.recipients,
        "cards": [
            {
                "title": "Conversion",
                "svg": _bars(
                    t.conversion_rate or 0.0,
                    c.conversion_rate or 0.0,
                    "{:.1%}",
                    diff.low if diff else None,
                    diff.high if diff else None,
                ),
                "verdict": conversion,
                "tone": conversion_tone,
            },
            {
                "title": "Revenue per recipient",
                "svg": _bars(
                    t.revenue_per_recipient or 0.0,
                    c.revenue_per_recipient or 0.0,
                    "£{:,.2f}",
                    money.low if money else None,
                    money.high if money else None,
                ),
                "verdict": revenue,
                "tone": revenue_tone,
            },
        ],
        "table": [
            ("recipients", str(t.recipients), str(c.recipients)),
            ("reached (exported)", str(t.reached), f"{c.reached} (sent nothing)"),
            ("responded (code back)", str(t.responded), str(c.responded)),
            ("converted (bought in the window)", str(t.converted), str(c.converted)),
            ("conversion rate", share(t.conversion_rate), share(c.conversion_rate)),
            ("revenue", pounds(t.revenue), pounds(c.revenue)),
            (
                "revenue per recipient",
                pounds(t.revenue_per_recipient),
                pounds(c.revenue_per_recipient),
            ),
            (
                "conversion, treated ÷ control",
                "–"
                if ratio is None
                else f"{ratio.value:.2f} (95 % interval {ratio.low:.2f} to {ratio.high:.2f})",
                "",
            ),
        ],
        "verdict": found.verdict,
        "tone": conversion_tone,
        "aa_check": found.aa_check,  # nobody was sent anything
        "note": found.note,  # how to read it, in plain words
    }


def render(
    result: Evaluation,
    holdout_percent: float,
    backtest: str | None = None,
    campaigns: Sequence[CampaignSection] = (),
) -> str:
    """The page; `backtest` is the address of a `rapport-hub backtest` page to link to;
    `campaigns` are the run campaigns, one section each."""
    cards = []
    for lift in result.lifts:
        title, what, fmt = _LABELS[lift.metric]
        verdict, tone = _verdict(lift)
        cards.append(
            {
                "title": title,
                "what": what,
                "verdict": verdict,
                "tone": tone,
                "svg": _bars(lift.personalized, lift.holdout, fmt, lift.low, lift.high),
            }
        )
    p, h = result.personalized, result.holdout
    table = [
        ("active customers", str(p.customers), str(h.customers)),
        ("buyers", str(p.buyers), str(h.buyers)),
        ("orders", str(p.orders), str(h.orders)),
        ("revenue", f"£{p.revenue:,.2f}", f"£{h.revenue:,.2f}"),
        (
            "pick impressions / clicks",
            f"{p.impressions} / {p.clicks}",
            f"{h.impressions} / {h.clicks}",
        ),
        ("revenue from picks", f"£{p.attributed_revenue:,.2f}", f"£{h.attributed_revenue:,.2f}"),
    ]
    actions = [
        (
            _ACTION_KINDS.get(a.kind, a.kind.replace("_", " ").capitalize()),
            str(a.accepted),
            str(a.declined),
            f"{a.acceptance:.0%}",
        )
        for a in result.actions
    ]
    env = Environment(autoescape=select_autoescape(default=True))
    return env.from_string(_PAGE).render(
        start=f"{result.start:%d %b %Y}",
        end=f"{result.end:%d %b %Y}",
        touchpoint=result.touchpoint,
        holdout_percent=holdout_percent,
        p=p,
        h=h,
        cards=cards,
        table=table,
        actions=actions,
        made=f"{datetime.now():%d %b %Y %H:%M}",
        backtest=backtest,
        campaigns=[_campaign(section) for section in campaigns],
    )
