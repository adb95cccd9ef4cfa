"""All SQL about products and categories."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import reads
from hub.catalog.models import Category, Product
from hub.db import in_list
from hub.reads import Read


async def skus_in(session: AsyncSession, skus: Collection[str]) -> set[str]:
    if not skus:
        return set()
    rows = await session.scalars(select(Product.sku).where(Product.sku.in_(list(skus))))
    return set(rows)


async def categories_in(session: AsyncSession, slugs: Collection[str]) -> set[str]:
    if not slugs:
        return set()
    rows = await session.scalars(select(Category.slug).where(Category.slug.in_(list(slugs))))
    return set(rows)


class ProductFacts(NamedTuple):
    """What learning and a change summary need of a product."""

    sku: str
    name: str
    category_slug: str
    tags: list[str]


def product_facts(session: AsyncSession, skus: Collection[str]) -> Read[dict[str, ProductFacts]]:
    """sku → facts of these products, as a read to gather with a write's others (an ingest
    batch asks for thousands; a statement compiled once, `db.in_list`)."""
    statements = reads.chunked(session, _facts, "skus", list(skus), 2000)
    return Read(
        statements, lambda rows: {row[0]: ProductFacts(*row) for part in rows for row in part}
    )


@cache
def _facts(dialect: str) -> Any:
    table = Product.__table__
    return select(table.c.sku, table.c.name, table.c.category_slug, table.c.tags).where(
        in_list(table.c.sku, "skus", dialect)
    )


async def products_by_sku(session: AsyncSession, skus: Collection[str]) -> list[Product]:
    if not skus:
        return []
    rows = await session.scalars(select(Product).where(Product.sku.in_(list(skus))))
    return list(rows)


async def categories(session: AsyncSession) -> list[tuple[Category, int]]:
    counts = (
        select(Product.category_slug, func.count().label("n"))
        .group_by(Product.category_slug)
        .subquery()
    )
    rows = await session.execute(
        select(Category, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.category_slug == Category.slug)
        .order_by(Category.position, Category.name)
    )
    return [(row[0], int(row[1])) for row in rows]


async def categories_by_slug(session: AsyncSession, slugs: Collection[str]) -> list[Category]:
    if not slugs:
        return []
    rows = await session.scalars(select(Category).where(Category.slug.in_(list(slugs))))
    return list(rows)


async def search(
    session: AsyncSession,
    *,
    category: str | None,
    text: str | None,
    in_stock_only: bool,
    after_sku: str | None,
    limit: int,
) -> list[Product]:
    query = select(Product)
    if category:
        query = query.where(Product.category_slug == category)
    if in_stock_only:
        query = query.where(Product.in_stock.is_(True))
    if text:
        words = [w for w in text.lower().split() if w][:6]
        for word in words:
            query = query.where(
                or_(
                    func.lower(Product.name).contains(word, autoescape=True),
                    Product.sku == word.upper(),
                )
            )
    # Best sellers first; the cursor is (units_sold, sku) encoded by the API layer.
    query = query.order_by(Product.units_sold.desc(), Product.sku)
    if after_sku:
        anchor = await session.get(Product, after_sku)
        if anchor is not None:
            query = query.where(
                or_(
                    Product.units_sold < anchor.units_sold,
                    (Product.units_sold == anchor.units_sold) & (Product.sku > anchor.sku),
                )
            )
    rows = await session.scalars(query.limit(limit))
    return list(rows)
