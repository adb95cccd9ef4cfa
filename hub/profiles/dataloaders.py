"""Per-request DataLoaders: a page of profiles costs a few queries, not a few per profile."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from hub.catalog import service as catalog
from hub.catalog.models import Category, Product
from hub.identity import service as identity
from hub.identity.models import Identifier
from hub.preferences import service as preferences
from hub.preferences.service import PreferenceView
from hub.privacy import consent
from hub.privacy.consent import ConsentView

if TYPE_CHECKING:
    from hub.api.context import Context


def identifiers(ctx: Context) -> DataLoader[str, list[Identifier]]:
    async def load(ids: Sequence[str]) -> list[list[Identifier]]:
        async with ctx.reading() as session:
            rows = await identity.identifiers_for(session, list(ids))
        grouped: dict[str, list[Identifier]] = defaultdict(list)
        for row in rows:
            grouped[row.profile_id].append(row)
        return [grouped[i] for i in ids]

    return ctx.loader("identifiers", lambda: DataLoader(load_fn=load))


def preference_views(ctx: Context) -> DataLoader[str, list[PreferenceView]]:
    async def load(ids: Sequence[str]) -> list[list[PreferenceView]]:
        async with ctx.reading() as session:
            views = await preferences.views_for(session, list(ids), ctx.hub.weights)
        return [views.get(i, []) for i in ids]

    return ctx.loader("preferences", lambda: DataLoader(load_fn=load))


def consent_views(ctx: Context) -> DataLoader[str, list[ConsentView]]:
    async def load(ids: Sequence[str]) -> list[list[ConsentView]]:
        async with ctx.reading() as session:
            views = await consent.views_for(session, list(ids))
        return [views[i] for i in ids]

    return ctx.loader("consents", lambda: DataLoader(load_fn=load))


def products(ctx: Context) -> DataLoader[str, Product | None]:
    async def load(skus: Sequence[str]) -> list[Product | None]:
        async with ctx.reading() as session:
            found = await catalog.products(session, set(skus))
        return [found.get(s) for s in skus]

    return ctx.loader("products", lambda: DataLoader(load_fn=load))


def categories(ctx: Context) -> DataLoader[str, Category | None]:
    async def load(slugs: Sequence[str]) -> list[Category | None]:
        async with ctx.reading() as session:
            found = await catalog.categories_by_slug(session, set(slugs))
        return [found.get(s) for s in slugs]

    return ctx.loader("categories", lambda: DataLoader(load_fn=load))
