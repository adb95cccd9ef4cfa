"""The catalogue: products and categories as other domains and the API see them."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import repository as repo
from hub.catalog.models import CatalogVersion, Category, Product
from hub.catalog.repository import ProductFacts
from hub.errors import DomainError, ErrorCode
from hub.reads import Read


async def existing_skus(session: AsyncSession, skus: Collection[str]) -> set[str]:
    return await repo.skus_in(session, skus)


async def existing_categories(session: AsyncSession, slugs: Collection[str]) -> set[str]:
    return await repo.categories_in(session, slugs)


async def products(session: AsyncSession, skus: Collection[str]) -> dict[str, Product]:
    return {p.sku: p for p in await repo.products_by_sku(session, skus)}


def product_facts(session: AsyncSession, skus: Collection[str]) -> Read[dict[str, ProductFacts]]:
    """sku → the product's sku, name, category_slug and tags (what learning and a change
    summary need), for many products at once: a read to gather with a write's others."""
    return repo.product_facts(session, skus)


async def labels_for(
    session: AsyncSession, *, skus: Collection[str], slugs: Collection[str]
) -> dict[tuple[str, str], str]:
    """Human names for product and category facet values."""
    labels: dict[tuple[str, str], str] = {}
    for product in await repo.products_by_sku(session, skus):
        labels[("product", product.sku)] = product.name
    for category in await repo.categories_by_slug(session, slugs):
        labels[("category", category.slug)] = category.name
    return labels


async def categories(session: AsyncSession) -> list[tuple[Category, int]]:
    return await repo.categories(session)


async def categories_by_slug(session: AsyncSession, slugs: Collection[str]) -> dict[str, Category]:
    return {c.slug: c for c in await repo.categories_by_slug(session, slugs)}


async def browse(
    session: AsyncSession,
    *,
    category: str | None = None,
    text: str | None = None,
    in_stock_only: bool = False,
    after_sku: str | None = None,
    limit: int = 20,
) -> Sequence[Product]:
    if text is not None and len(text) > 200:
        raise DomainError.one(
            ("search",), ErrorCode.TOO_LONG, "Search text is at most 200 characters."
        )
    if after_sku and not await repo.skus_in(session, {after_sku}):
        # The cursor is the last SKU of the previous page; an unknown one would restart at 1.
        raise DomainError.one(
            ("after",), ErrorCode.INVALID, f"“{after_sku[:64]}” is not a cursor from this list."
        )
    return await repo.search(
        session,
        category=category,
        text=(text or "").strip() or None,
        in_stock_only=in_stock_only,
        after_sku=after_sku,
        limit=limit,
    )


async def catalogue_version(session: AsyncSession) -> tuple[int, ...]:
    """The catalogue's versions (`catalog_versions`): row 1 moves with every write that can
    change a product's or a category's name, row 2 with every change of a product's stock,
    price, category or tags — whichever process made it. A copy of what recommendations
    serve on is as new as both."""
    rows = await session.execute(
        select(CatalogVersion.version)
        .where(CatalogVersion.id.in_((1, 2)))
        .order_by(CatalogVersion.id)
    )
    return tuple(rows.scalars())
