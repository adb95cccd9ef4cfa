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


class _Catalogue:
    """The in-stock catalogue, best sellers first, cached for a few minutes per process."""

    def __init__(self) -> None:
        self._products: list[Product] = []
        self._loaded = 0.0

    async def get(self, session: AsyncSession) -> list[Product]:
        if not self._products or time.monotonic() - self._loaded > _SNAPSHOT_SECONDS:
            self._products = list(await catalog.browse(session, in_stock_only=True, limit=100_000))
            self._loaded = time.monotonic()
        return self._products


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
    products = await _catalogue.get(session)
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
    products: Sequence[Product], views: Sequence[PreferenceView], seen: set[str],
    profile_id: str, salt: str, first: int,
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
    if not interest:
        return []
    best_sellers = max((p.units_sold for p in products), default=1) or 1
    scored: list[tuple[float, Product, str]] = []
    for product in products:
        facets = [("category", product.category_slug)] + [("theme", t) for t in product.tags]
        if ("product", product.sku) in excluded or any(f in excluded for f in facets):
            continue
        if product.sku in seen:
            continue  # already seen, bought or returned: show something new
        parts = [(interest[f], f) for f in facets if f in interest]
        if not parts:
            continue
        score = sum(w for w, _ in parts) + 0.05 * product.units_sold / best_sellers
        top = max(parts)[1]
        scored.append((score, product, why[top]))
    scored.sort(key=lambda item: (-item[0], item[1].sku))
    picks: list[Pick] = []
    per_category: dict[str, int] = defaultdict(int)
    for score, product, reason in scored:
        if per_category[product.category_slug] >= MAX_PER_CATEGORY:
            continue
        per_category[product.category_slug] += 1
        picks.append(Pick(product, round(score, 4), reason,
                          _rec_id(profile_id, product.sku, salt), True))
        if len(picks) >= first:
            break
    return picks


def _fill(
    picks: list[Pick], products: Sequence[Product], profile_id: str | None, salt: str,
    first: int, excluded: set[tuple[str, str]],
) -> list[Pick]:
    """Top up with best sellers, a few per category so the page is varied; never a dislike."""
    taken = {p.product.sku for p in picks}
    per_category: dict[str, int] = defaultdict(int)
    for product in products:
        if len(picks) >= first:
            break
        if product.sku in taken or per_category[product.category_slug] >= 2:
            continue
        facets = [("product", product.sku), ("category", product.category_slug)]
        if any(f in excluded for f in facets + [("theme", t) for t in product.tags]):
            continue
        per_category[product.category_slug] += 1
        picks.append(Pick(product, 0.0, "Popular with our shoppers",
                          _rec_id(profile_id, product.sku, salt), False))
    return picks
