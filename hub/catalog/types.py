from __future__ import annotations

import strawberry
from strawberry.types import Info

from hub.catalog import loaders
from hub.catalog.models import Category as CategoryRow
from hub.catalog.models import Product as ProductRow


@strawberry.type
class Category:
    slug: str
    name: str
    product_count: int | None = None

    @classmethod
    def of(cls, row: CategoryRow, count: int | None = None) -> Category:
        return cls(slug=row.slug, name=row.name, product_count=count)


@strawberry.type
class Product:
    sku: str
    name: str
    description: str
    price: float
    tags: list[str]
    in_stock: bool
    units_sold: int = strawberry.field(description="Units sold in the catalogue's history.")
    category_slug: strawberry.Private[str]

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        row = await loaders.categories(info.context).load(self.category_slug)
        return Category.of(row) if row else None

    @classmethod
    def of(cls, row: ProductRow) -> Product:
        return cls(
            sku=row.sku,
            name=row.name,
            description=row.description or "",
            price=float(row.price),
            tags=list(row.tags or []),
            in_stock=row.in_stock,
            units_sold=row.units_sold,
            category_slug=row.category_slug,
        )
