"""Browsing the catalogue."""

from __future__ import annotations

import strawberry
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.actors import Scope
from hub.api.errors import from_domain
from hub.api.permissions import Allowed
from hub.catalog import service as catalog
from hub.catalog.types import Category, Product
from hub.errors import DomainError

_READ: list[FieldExtension] = [PermissionExtension([Allowed(Scope.READ_CATALOG)])]


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Products, best sellers first; page with `after` = the last SKU you got.",
        extensions=_READ,
    )
    async def products(
        self,
        info: Info,
        category: str | None = None,
        search: str | None = None,
        in_stock: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> list[Product]:
        async with info.context.reading() as session:
            try:
                rows = await catalog.browse(
                    session,
                    category=category,
                    text=search,
                    in_stock_only=in_stock,
                    after_sku=after,
                    limit=max(1, min(first, info.context.settings.max_page_size)),
                )
            except DomainError as error:
                raise from_domain(error) from None
        return [Product.of(r) for r in rows]

    @strawberry.field(extensions=_READ)
    async def product(self, info: Info, sku: str) -> Product | None:
        async with info.context.reading() as session:
            found = await catalog.products(session, {sku.strip()})
        row = found.get(sku.strip())
        return Product.of(row) if row else None

    @strawberry.field(extensions=_READ)
    async def categories(self, info: Info) -> list[Category]:
        async with info.context.reading() as session:
            rows = await catalog.categories(session)
        return [Category.of(row, count) for row, count in rows]
