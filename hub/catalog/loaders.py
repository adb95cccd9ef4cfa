"""Per-request DataLoaders for the catalogue: every product or category a page of answers names,
read in one query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from hub.catalog import service as catalog
from hub.catalog.models import Category, Product

if TYPE_CHECKING:
    from hub.api.context import Context


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
