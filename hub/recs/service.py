"""Recommendations with reasons, served from the engine (hub/recs/engine.py).

Loads what the ranking needs — the shopper's learned interests and stated preferences, the
serving model, the in-stock catalogue — and turns ranked items into picks with plain-words
reasons. Without PERSONALIZATION consent, and for the persistent holdout group, everyone gets
the same non-personal picks (popular now).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hub import reads, words
from hub.catalog import service as catalog
from hub.catalog.models import Product
from hub.db import utcnow
from hub.enums import ConsentPurpose
from hub.events import service as events
from hub.ids import recommendation_id
from hub.preferences import views as preference_views
from hub.privacy import consent
from hub.recs import engine, training, upsell
from hub.recs.families import family_of
from hub.recs.habits import Habit, span
from hub.recs.model import ItemModel
from hub.recs.ranker import LearnedRanker
from hub.weights import Weights

_CATALOGUE_SECONDS = 300.0
_RECENTLY = timedelta(days=180)  # "5 weeks ago" reads well; "17 years ago" is a date
_MODEL_CHECK_SECONDS = 30.0
# How long a snapshot is trusted before the catalogue's versions are looked at again: a product
# renamed, sold out or repriced by another process (a catalogue load, the retailer's stock
# system) is recommended under its new name, or no longer, well within a second.
_NAMES_CHECK_SECONDS = 0.25


@dataclass(frozen=True)
class Pick:
    product: Product
    score: float
    reason: str
    recommendation_id: str
    personal: bool
    kind: str  # COLLABORATIVE, REBUY, INTEREST, POPULAR
    because: str


class _Serving:
    """Per-process cache of the catalogue snapshot and the newest trained model."""

    def __init__(self) -> None:
        self.catalogue = engine.Catalogue({}, [])
        self.rows: dict[str, Product] = {}
        self.category_names: dict[str, str] = {}
        self.model: ItemModel | None = None
        self.model_id: str | None = None
        self.ranker: LearnedRanker | None = None
        self._catalogue_at = 0.0
        self._model_checked = 0.0
        self._names_checked = 0.0
        self._names_version: tuple[int, ...] | None = None

    async def refresh(self, session: AsyncSession) -> None:
        now = time.monotonic()
        stale = not self.rows or now - self._catalogue_at > _CATALOGUE_SECONDS
        looked: tuple[int, ...] | None = None
        if not stale and now - self._names_checked > _NAMES_CHECK_SECONDS:
            looked = await catalog.catalogue_version(session)
            stale = looked != self._names_version
            self._names_checked = now
        if stale:
            # The versions before the rows: the rows are at least as new as they.
            if looked is None:
                looked = await catalog.catalogue_version(session)
            self._names_version = looked
            self._names_checked = now
            rows = list(await catalog.browse(session, in_stock_only=True, limit=100_000))
            self.rows = {r.sku: r for r in rows}
            self.category_names = {c.slug: c.name for c, _ in await catalog.categories(session)}
            self._catalogue_at = now
            self._build(self.model.popular if self.model else [])
        if now - self._model_checked > _MODEL_CHECK_SECONDS:
            self._model_checked = now
            newest = await training.newest_model_id(session)
            if newest != self.model_id:
                self.model = await training.load(session, newest) if newest else None
                self.ranker = await training.load_ranker(session, newest) if newest else None
                self.model_id = newest
                self._build(self.model.popular if self.model else [])

    def _build(self, popular: list[str]) -> None:
        rows = self.rows.values()
        items = engine.items_from(
            [(r.sku, r.name, r.category_slug, r.tags or []) for r in rows],
            {r.sku: float(r.price) for r in rows},
        )
        if not popular:  # no model yet: the catalogue's own best sellers
            popular = [r.sku for r in sorted(rows, key=lambda r: (-r.units_sold, r.sku))][:500]
        self.catalogue = engine.Catalogue(items, [s for s in popular if s in items])

    def forget(self) -> None:
        """Load the catalogue and the model afresh on the next read (another store's)."""
        self.rows = {}
        self._catalogue_at = self._model_checked = self._names_checked = 0.0
        self._names_version = None


serving = _Serving()


def in_holdout(profile_id: str, share_percent: float) -> bool:
    """A stable hash of the profile id puts a fixed share of customers in the holdout."""
    bucket = int(hashlib.sha256(f"holdout:{profile_id}".encode()).hexdigest()[:8], 16) % 10_000
    return bucket < share_percent * 100


async def recommend(
    session: AsyncSession,
    profile_id: str | None,
    version: int,
    first: int,
    weights: Weights,
    *,
    holdout_percent: float = 0.0,
    viewing: str | None = None,
    new_only: bool = False,
) -> list[Pick]:
    shopper, personal = await _shopper(session, profile_id, weights, holdout_percent)
    if viewing and viewing in serving.rows:
        # What is on the screen right now counts most: "goes with what you're looking at".
        shopper.products[viewing] = max(shopper.products.get(viewing, 0.0), 3.0)
        shopper.visit.add(viewing)
        shopper.recent.add(viewing)  # looked at right now: held back like a tracked view
    ranked = engine.rank(
        shopper,
        serving.model,
        serving.catalogue,
        first,
        exclude_owned=new_only,
        learned=serving.ranker,
    )
    if viewing and personal and first >= 3:
        # Up-sell for the product on screen, second in the list.
        # New to the shopper, so it counts against its family's two places like any new pick.
        crowded = {
            family
            for family, n in Counter(
                family_of(serving.rows[x.sku].name)
                for x in ranked[: first - 1]
                if x.sku not in shopper.bought
            ).items()
            if n >= engine.MAX_PER_FAMILY
        }
        step_up = [
            r
            for r in upsell.upsell(shopper, serving.catalogue, [viewing], 1)
            if r.sku not in {x.sku for x in ranked}
            and family_of(serving.rows[r.sku].name) not in crowded
        ]
        ranked = (ranked[:1] + step_up + ranked[1:])[:first]
    salt = str(version)
    return [
        Pick(
            serving.rows[r.sku],
            r.score,
            _reason(r, shopper, viewing),
            recommendation_id(profile_id, r.sku, salt),
            personal and r.why != "POPULAR",
            r.why,
            r.because,
        )
        for r in ranked
    ]


async def _shopper(
    session: AsyncSession, profile_id: str | None, weights: Weights, holdout_percent: float
) -> tuple[engine.Shopper, bool]:
    """What the ranking may know of this shopper: nothing without consent or in the holdout."""
    await serving.refresh(session)
    if profile_id is None or in_holdout(profile_id, holdout_percent):
        return engine.Shopper(), False
    now = utcnow()
    # What consent allows, what they like and what they bought: one trip to the store.
    allowed, (learned, stated), (purchases, returns) = await reads.fetch(
        session,
        [
            consent.allows(profile_id, ConsentPurpose.PERSONALIZATION),
            preference_views.interests_of(profile_id),
            events.trade_lines(profile_id, now),
        ],
    )
    if not allowed:
        return engine.Shopper(), False
    return engine.shopper_from(
        learned,
        stated,
        weights.half_life_seconds,
        # Today, not the shopper's last visit: interests fade while they are away, and "just
        # bought" means this week.
        now=now,
        purchases=purchases,
        # Stored returns, learned or not (made while consent was withdrawn): what was sent
        # back is never offered again, a protection rather than learning.
        returns=returns,
    ), True


def _name(sku: str) -> str:
    row = serving.rows.get(sku)
    return row.name if row else sku


def _reason(ranked: engine.Ranked, shopper: engine.Shopper, viewing: str | None) -> str:
    if ranked.why == "COLLABORATIVE":
        if ranked.because == viewing:
            return f"Often bought with {_name(ranked.because)}, which you're looking at"
        habit = shopper.habits.get(ranked.because)
        if habit is not None:
            return f"Often bought with {_name(ranked.because)}, which you bought on " + words.day(
                habit.last
            )
        if ranked.because in shopper.bought:
            return f"Customers who bought {_name(ranked.because)} also bought this"
        if ranked.because in shopper.liked:
            return f"Goes well with {_name(ranked.because)}, which you told us you like"
        return f"Goes well with {_name(ranked.because)}, which you looked at"
    if ranked.why == "REBUY":
        return rebuy_reason(shopper.habits.get(ranked.sku))
    if ranked.why == "UPSELL":
        return f"A step up from {_name(ranked.because)}"
    if ranked.why == "INTEREST":
        key, _, value = ranked.because.partition(":")
        stated = shopper.facets.get((key, value), (0.0, ""))[1] == "EXPLICIT"
        label = serving.category_names.get(value, value) if key == "category" else value
        if stated:
            return f"You told us you like {label}"
        if key == "theme":
            return f"Picked for your taste in {label.lower()} designs"
        return f"Picked for your interest in {label}"
    return "Popular with our shoppers right now"


def rebuy_reason(habit: Habit | None) -> str:
    """Why a thing they bought comes back: how often they buy it, and when they last did."""
    if habit is None:
        return "You've bought this before"
    if habit.interval is None:
        return f"You bought this on {words.day(habit.last)}"
    if habit.last - habit.first < timedelta(days=1):
        # Orders hours apart (two invoices of one visit) are not a cadence: "every day" would
        # claim a habit the shopper does not have.
        # "in two orders", not "twice": two invoices of one day are two orders, not a habit.
        times = "two" if habit.orders == 2 else str(habit.orders)
        first, last = words.day(habit.first), words.day(habit.last)
        return (
            f"You bought this in {times} orders on {last}"
            if first == last
            else f"You bought this in {times} orders, the last on {last}"
        )
    since = utcnow() - habit.last
    last = (
        f"last time {span(since)} ago"
        if since < _RECENTLY
        else f"last bought on {words.day(habit.last)}"
    )
    if habit.orders == 2:
        # One gap is not a habit: "about every 2 days" said of two orders in a week two months
        # ago claims a cadence the shopper never kept. The gap itself is the signal.
        return f"You bought this twice, {span(habit.interval)} apart; {last}"
    # "every day", "every week": span's "a day" reads well only after "last time".
    every = span(habit.interval).removeprefix("a ")
    return f"You buy this about every {every}; {last}"


@dataclass(frozen=True)
class Group:
    title: str
    reason: str
    picks: list[Pick]


async def center(
    session: AsyncSession,
    profile_id: str | None,
    version: int,
    weights: Weights,
    *,
    holdout_percent: float = 0.0,
    groups: int = 6,
    per_group: int = 6,
) -> list[Group]:
    """Personal picks grouped by theme, each group with its reason (the Recommendation Center)."""
    picks = await recommend(
        session, profile_id, version, 60, weights, holdout_percent=holdout_percent
    )
    buckets: dict[tuple[str, str], list[Pick]] = {}
    for pick in picks:
        buckets.setdefault((pick.kind, pick.because if pick.kind != "POPULAR" else ""), []).append(
            pick
        )
    result = []
    for (kind, because), members in buckets.items():
        if len(members) < 2 and kind != "POPULAR":
            continue
        title, reason = _group_words(kind, because, members[0])
        result.append(Group(title, reason, members[:per_group]))
    shopper, personal = await _shopper(session, profile_id, weights, holdout_percent)
    if personal:
        favourites = sorted(shopper.bought, key=lambda sku: -shopper.bought[sku])[:12]
        ups = upsell.upsell(shopper, serving.catalogue, favourites, per_group)
        if ups:
            result.insert(
                min(1, len(result)),
                Group(
                    "A step up",
                    "Pricier takes on things you buy",
                    [
                        Pick(
                            serving.rows[r.sku],
                            r.score,
                            _reason(r, shopper, None),
                            recommendation_id(profile_id, r.sku, str(version)),
                            True,
                            r.why,
                            r.because,
                        )
                        for r in ups
                        if r.sku in serving.rows
                    ],
                ),
            )
    if not any(g.picks[0].kind == "POPULAR" for g in result):
        popular = [p for p in picks if p.kind == "POPULAR"]
        if popular:
            result.append(
                Group("Popular right now", "What our shoppers are buying", popular[:per_group])
            )
    return result[:groups]


def _group_words(kind: str, because: str, first: Pick) -> tuple[str, str]:
    if kind == "COLLABORATIVE":
        return f"Goes with {_name(because)}", first.reason
    if kind == "REBUY":
        return "Buy again", "Things you've bought before"
    if kind == "INTEREST":
        key, _, value = because.partition(":")
        label = serving.category_names.get(value, value) if key == "category" else value.title()
        return label, first.reason
    return "Popular right now", "What our shoppers are buying"
