"""GraphQL types of handoffs and sent lists."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from hub.api.errors import UserError
from hub.catalog.types import Product
from hub.handoff.service import ItemView, ListItem


@strawberry.enum
class HandoffKind(Enum):
    CART = "CART"
    WISHLIST = "WISHLIST"


@strawberry.enum
class ListMedium(Enum):
    EMAIL = "EMAIL"
    SMS = "SMS"


@strawberry.input
class ListItemInput:
    sku: str
    quantity: int = 1

    def to_domain(self) -> ListItem:
        return ListItem(self.sku, self.quantity)


@strawberry.type
class HandoffItem:
    sku: str
    quantity: int
    product: Product | None

    @classmethod
    def of(cls, item: ItemView) -> HandoffItem:
        return cls(
            sku=item.sku,
            quantity=item.quantity,
            product=Product.of(item.product) if item.product else None,
        )


@strawberry.type(description="A list waiting to be continued elsewhere under a short code.")
class Handoff:
    code: str = strawberry.field(description="Six characters (K7Q-M3P); works once.")
    kind: HandoffKind
    expires_at: datetime
    qr_svg: str = strawberry.field(description="The code as a QR code: inline SVG markup.")
    items: list[HandoffItem]


@strawberry.type
class CreateHandoffPayload:
    handoff: Handoff | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ClaimHandoffPayload:
    kind: HandoffKind | None = None
    items: list[HandoffItem] = strawberry.field(default_factory=list)
    profile_id: strawberry.ID | None = None
    first_name: str | None = strawberry.field(
        default=None, description="For a greeting on a shared screen: the first name only."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SendListPayload:
    sent: bool = False
    medium: ListMedium | None = None
    masked_recipient: str | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
