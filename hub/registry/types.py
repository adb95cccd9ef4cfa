"""GraphQL types of gift registries: what a guest may see (first name, title, items)."""

from __future__ import annotations

from datetime import date

import strawberry

from hub.api.errors import UserError
from hub.catalog.types import Product
from hub.registry.service import ItemView, Match, RegistryView, WantedItem


@strawberry.input
class GiftRegistryItemInput:
    sku: str
    quantity: int = 1

    def to_domain(self) -> WantedItem:
        return WantedItem(self.sku, self.quantity)


@strawberry.input
class GiftRegistryInput:
    title: str = strawberry.field(description="In the owner's words, e.g. “Anna & Tom's wedding”.")
    occasion: str = strawberry.field(description="wedding, baby shower, birthday, …")
    event_date: date | None = None
    items: list[GiftRegistryItemInput]


@strawberry.type
class GiftRegistryItem:
    sku: str
    product: Product | None
    wanted: int
    bought: int
    remaining: int

    @classmethod
    def of(cls, item: ItemView) -> GiftRegistryItem:
        return cls(
            sku=item.sku,
            product=Product.of(item.product) if item.product else None,
            wanted=item.wanted,
            bought=item.bought,
            remaining=item.remaining,
        )


@strawberry.type(description="A gift registry as guests see it: never a surname or contact data.")
class GiftRegistry:
    code: str = strawberry.field(description="Short and shareable, e.g. RAP-7K3Q.")
    title: str
    occasion: str
    event_date: date | None
    owner_first_name: str | None
    items: list[GiftRegistryItem]
    remaining: int = strawberry.field(description="Items still wanted, over all lines.")

    @classmethod
    def of(cls, view: RegistryView) -> GiftRegistry:
        items = [GiftRegistryItem.of(i) for i in view.items]
        return cls(
            code=view.registry.code,
            title=view.registry.title,
            occasion=view.registry.occasion,
            event_date=view.registry.event_date,
            owner_first_name=view.owner_first_name,
            items=items,
            remaining=sum(i.remaining for i in items),
        )


@strawberry.type(description="A registry found by name: enough to pick the right one.")
class GiftRegistryMatch:
    code: str
    title: str
    occasion: str
    event_date: date | None
    owner_first_name: str | None

    @classmethod
    def of(cls, match: Match) -> GiftRegistryMatch:
        return cls(
            code=match.registry.code,
            title=match.registry.title,
            occasion=match.registry.occasion,
            event_date=match.registry.event_date,
            owner_first_name=match.owner_first_name,
        )


@strawberry.type
class CreateGiftRegistryPayload:
    gift_registry: GiftRegistry | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BuyFromGiftRegistryPayload:
    gift_registry: GiftRegistry | None = None
    item: GiftRegistryItem | None = None
    duplicate: bool = strawberry.field(
        default=False, description="This messageId was bought with before: nothing changed."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
