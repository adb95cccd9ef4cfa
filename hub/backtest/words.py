"""The backtest in plain words: the opening summary, figures as text, how it was measured."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.backtest.metrics import RESAMPLES, Interval
from hub.backtest.run import HOLDOUT_NOTE, RAPPORT
from hub.backtest.scores import BUY_AGAIN, VIEWS, Report, verdict

VIEW_TITLES = {
    "default": "Default list, scored on everything customers bought next",
    "new": "New-to-you list (newOnly), scored on products new to the customer",
}
VIEW_SHORT = {"default": "Default list", "new": "New-to-you list"}
MIN_SEGMENT = 20  # fewer customers than this: "too few to tell"


def day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def value(iv: Interval | None, fmt: str = "{:.3f}") -> str:
    return "" if iv is None else fmt.format(iv.value)


def spread(iv: Interval | None, fmt: str = "{:.3f}") -> str:
    return "" if iv is None else f"{fmt.format(iv.low)}–{fmt.format(iv.high)}"


def with_spread(iv: Interval | None, fmt: str = "{:.3f}") -> str:
    return "" if iv is None else f"{value(iv, fmt)} ({spread(iv, fmt)})"


def gap(iv: Interval | None) -> str:
    return "—" if iv is None else f"{iv.value:+.3f} ({iv.low:+.3f} to {iv.high:+.3f})"


def segment_verdict(customers: int, difference: Interval) -> str:
    return verdict(difference) if customers >= MIN_SEGMENT else "too few to tell"


def horizon_words(days: int) -> str:
    months = days / 30.44
    if days >= 56 and abs(months - round(months)) < 0.1:
        return f"{round(months)} months"
    return f"{days} days"


def summary(report: Report) -> list[str]:
    """The page's opening sentences: where Rapport wins or loses, in plain words."""
    found = [_view_sentence(report, view) for view in VIEWS]
    found.append(_revenue_sentence(report))
    found.append(_segment_sentence(report))
    return [s for s in found if s]


def _tally(report: Report, view: str, name: str) -> dict[str, int]:
    counts = {"wins": 0, "loses": 0, "no clear difference": 0}
    for cutoff in report.cutoffs:
        counts[verdict(cutoff.views[view].of(name).versus)] += 1
    return counts


def _outcome(counts: dict[str, int], name: str) -> str:
    n = sum(counts.values())
    every = "at every cut-off" if n > 1 else "at the cut-off"
    if counts["wins"] == n:
        return f"beats {name} {every}"
    if counts["loses"] == n:
        return f"loses to {name} {every}"
    if counts["no clear difference"] == n:
        return f"cannot be told apart from {name} {every}"
    parts = [
        f"{words} at {counts[key]}"
        for key, words in (
            ("wins", f"beats {name}"),
            ("loses", f"loses to {name}"),
            ("no clear difference", "is level"),
        )
        if counts[key]
    ]
    return _join(parts) + f" of {n} cut-offs"


def _view_sentence(report: Report, view: str) -> str:
    ref = report.references[view]
    served, best = report.average(view, RAPPORT), report.average(view, ref)
    what = "of what customers went on to buy" if view == "default" else "of the new products"
    n = len(report.cutoffs)
    text = (
        f"{VIEW_SHORT[view]}: Rapport's ten picks held {served:.1%} {what} (recall@10, "
        f"average over {n} cut-off{'s' if n > 1 else ''}); {ref}, the strongest baseline "
        f"here, held {best:.1%}. Rapport {_outcome(_tally(report, view, ref), ref)}."
    )
    others = [m.name for m in report.cutoffs[0].views[view].methods if m.name not in (RAPPORT, ref)]
    beaten = [name for name in others if _tally(report, view, name)["wins"] == n]
    lost = [name for name in others if _tally(report, view, name)["loses"] == n]
    if view == "default" and ref != BUY_AGAIN:
        text += (
            f" Frequency buy-again, the simplest rule a merchant could write, held "
            f"{report.average(view, BUY_AGAIN):.1%}."
        )
    if beaten:
        text += f" It beats {_join(beaten)} at every cut-off."
    if lost:
        text += f" It also loses to {_join(lost)} at every cut-off."
    return text


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _revenue_sentence(report: Report) -> str:
    ref = report.references["default"]

    def share(name: str) -> float:
        found = [c.views["default"].of(name).revenue for c in report.cutoffs]
        return sum(iv.value for iv in found if iv) / len(found)

    return (
        f"Revenue: the products Rapport picked were {share(RAPPORT):.1%} of what these customers "
        f"spent in the following {horizon_words(report.horizon_days)} ({ref}'s picks: "
        f"{share(ref):.1%})."
    )


def _segment_sentence(report: Report) -> str:
    ref = report.references["default"]
    groups: dict[str, list[str]] = {"wins": [], "loses": [], "no clear difference": []}
    for seg in report.segments:
        if seg.customers["default"] >= MIN_SEGMENT:
            groups[verdict(seg.versus["default"])].append(seg.name)
    told = sum(len(names) for names in groups.values())
    if not told:
        return ""
    head = f"By segment (default list, against {ref}): Rapport "
    wins, loses, level = groups["wins"], groups["loses"], groups["no clear difference"]
    if len(loses) > 3 and not wins:
        text = head + f"loses in {len(loses)} of the {told} segments large enough to tell"
        return text + (f"; it is level among {_join(level)}." if level else ".")
    parts = [
        f"{words} {_join(names)}"
        for words, names in (
            ("wins among", wins),
            ("loses among", loses),
            ("is level among", level),
        )
        if names
    ]
    return head + "; ".join(parts) + "."


def notes(report: Report) -> list[str]:
    """How the figures were made, and where they could flatter."""
    stores = ", ".join(f"{c.store_seconds:.0f} s ({c.events:,} events)" for c in report.cutoffs)
    return [
        "Cut-offs "
        + ", ".join(day(c.cutoff) for c in report.cutoffs)
        + f" (midnight UTC); each scored on the following {report.horizon_days} days or to the "
        "end of the data, whichever comes first.",
        "Scored: customers who bought anything in the horizon and had ordered before the "
        "cut-off. Customers with their first order in the horizon are a segment of their own.",
        "The served path: for each cut-off a fresh store, seeded by the same code as "
        "rapport-hub seed-demo with only the data before the cut-off (learning included), the "
        "model trained by the same code as rapport-hub retrain, and every customer asked for "
        "picks through the service behind Profile.recommendations(touchpoint: WEB, first: 10) "
        "— and with context {newOnly: true} — with the hub's clock at the cut-off.",
        HOLDOUT_NOTE,
        "Products: only those in the catalogue at the cut-off count (first sold before it); "
        "nobody could have picked a product first sold later.",
        "recall@10: of the different products bought, the share among the ten picks (out of at "
        "most ten); NDCG@10: the same, weighing hits near the top more; hit-rate@10: customers "
        "with at least one pick bought. Revenue share: horizon spend on picked products over "
        "all horizon spend of the scored customers.",
        f"Intervals: 95 % percentile bootstrap over customers ({RESAMPLES:,} resamples, fixed "
        "seed); the difference to Rapport is paired (the same resampled customers).",
        "In the new-to-you list frequency buy-again has none of the customer's own items left, "
        "so it is the popularity list and is not shown twice.",
        "Could flatter: leaving out products first sold after the cut-off raises every method's "
        "recall; recall counts a product once however often it was bought; the intervals cover "
        "the choice of customers, not of dates, and the horizons overlap, so the cut-offs are "
        "not independent trials; training times were taken with memory tracing on, which "
        "slows Python-heavy steps.",
        "By touchpoint: this history holds one channel (WEB: every line of the file), and the "
        "served ranking takes no touchpoint, so KIOSK or CALL_CENTER picks would be the same; "
        "per-touchpoint figures need a store with events from several.",
        f"Building the stores took {stores}.",
    ]
