"""Recommendations with reasons: what the customer said and did, else what is popular.

A first recommender (issue 4 grows it): candidates from the in-stock catalogue, scored by the
customer's stated and learned category and theme interests (explicit beats implicit; dislikes
and returns exclude), spread across categories, each with a plain-words reason. Without
PERSONALIZATION consent, or without any signal, everyone gets the same popular picks.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.catalog.models import Product
from hub.enums import ConsentPurpose
from hub.preferences import service as preferences
from hub.preferences.learning import Weights
from hub.preferences.service import PreferenceView
from hub.privacy import consent

MAX_PER_CATEGORY = 3
_SNAPSHOT_SECONDS = 300.0


@dataclass(frozen=True)
class Pick:
    product: Product
    score: float
    reason: str
    recommendation_id: str
    personal: bool


@dataclass(frozen=True, slots=True)
class _Item:
    """A catalogue entry as plain data: scoring touches thousands, ORM attributes are slow."""

    sku: str
    category: str
    facets: tuple[tuple[str, str], ...]
    popularity: float
    row: Product


class _Catalogue:
    """The in-stock catalogue, best sellers first, indexed by facet; cached per process."""

    def __init__(self) -> None:
        self.items: list[_Item] = []
        self.by_facet: dict[tuple[str, str], list[_Item]] = {}
        self._loaded = 0.0

    async def refresh(self, session: AsyncSession) -> _Catalogue:
        if self.items and time.monotonic() - self._loaded < _SNAPSHOT_SECONDS:
            return self
        rows = list(await catalog.browse(session, in_stock_only=True, limit=100_000))
        best = max((r.units_sold for r in rows), default=1) or 1
        items = [
            _Item(
                r.sku,
                r.category_slug,
                (("category", r.category_slug), *(("theme", t) for t in r.tags or ())),
                r.units_sold / best,
                r,
            )
            for r in rows
        ]
        index: dict[tuple[str, str], list[_Item]] = defaultdict(list)
        for item in items:
            for facet in item.facets:
                index[facet].append(item)
        self.items, self.by_facet, self._loaded = items, dict(index), time.monotonic()
        return self


_catalogue = _Catalogue()


def _rec_id(profile_id: str | None, sku: str, salt: str) -> str:
    return hashlib.sha256(f"{profile_id}|{sku}|{salt}".encode()).hexdigest()[:20]


async def recommend(
    session: AsyncSession,
    profile_id: str | None,
    version: int,
    first: int,
    weights: Weights,
) -> list[Pick]:
    products = await _catalogue.refresh(session)
    salt = f"{version}"
    if profile_id is not None:
        allowed = await consent.allowed(session, [profile_id], ConsentPurpose.PERSONALIZATION)
        if allowed[profile_id]:
            views = (await preferences.views_for(session, [profile_id], weights)).get(
                profile_id, []
            )
            excluded = {(v.key, v.value) for v in views if not v.like}
            seen = await preferences.learned_products(session, profile_id)
            personal = _personal(products, views, seen, profile_id, salt, first)
            return _fill(personal, products, profile_id, salt, first, excluded)
    return _fill([], products, profile_id, salt, first, set())


def _personal(
    products: _Catalogue,
    views: Sequence[PreferenceView],
    seen: set[str],
    profile_id: str,
    salt: str,
    first: int,
) -> list[Pick]:
    interest: dict[tuple[str, str], float] = {}
    why: dict[tuple[str, str], str] = {}
    excluded: set[tuple[str, str]] = set()
    for view in views:
        facet = (view.key, view.value)
        if not view.like:
            excluded.add(facet)
            continue
        if facet in interest:  # explicit came first and outranks what was learned
            continue
        interest[facet] = view.weight
        name = view.label or view.value
        if view.source.value == "EXPLICIT":
            why[facet] = f"You told us you like {name}"
        elif view.key == "product":
            why[facet] = f"Because you looked at {name}"
        elif view.key == "theme":
            why[facet] = f"Picked for your taste in {name.lower()} designs"
        else:
            why[facet] = f"Picked for your interest in {name}"
    # Only products sharing a liked facet can score: walk those, not the whole catalogue.
    score: dict[str, float] = defaultdict(float)
    best: dict[str, tuple[float, tuple[str, str]]] = {}
    items: dict[str, _Item] = {}
    for facet, weight in interest.items():
        for item in products.by_facet.get(facet, ()):
            score[item.sku] += weight
            items[item.sku] = item
            if item.sku not in best or weight > best[item.sku][0]:
                best[item.sku] = (weight, facet)
    ranked = sorted(
        (s + 0.05 * items[sku].popularity, sku)
        for sku, s in score.items()
        if sku not in seen
        and ("product", sku) not in excluded
        and not any(f in excluded for f in items[sku].facets)
    )
    ranked.reverse()
    picks: list[Pick] = []
    per_category: dict[str, int] = defaultdict(int)
    for total, sku in ranked:
        item = items[sku]
        if per_category[item.category] >= MAX_PER_CATEGORY:
            continue
        per_category[item.category] += 1
        picks.append(
            Pick(item.row, round(total, 4), why[best[sku][1]], _rec_id(profile_id, sku, salt), True)
        )
        if len(picks) >= first:
            break
    return picks


def _fill(
    picks: list[Pick],
    products: _Catalogue,
    profile_id: str | None,
    salt: str,
    first: int,
    excluded: set[tuple[str, str]],
) -> list[Pick]:
    """Top up with best sellers, a few per category so the page is varied; never a dislike."""
    taken = {p.product.sku for p in picks}
    per_category: dict[str, int] = defaultdict(int)
    for item in products.items:
        if len(picks) >= first:
            break
        if item.sku in taken or per_category[item.category] >= 2:
            continue
        if ("product", item.sku) in excluded or any(f in excluded for f in item.facets):
            continue
        per_category[item.category] += 1
        picks.append(
            Pick(
                item.row,
                0.0,
                "Popular with our shoppers",
                _rec_id(profile_id, item.sku, salt),
                False,
            )
        )
    return picks
