from __future__ import annotations

import strawberry

from hub.catalog.types import Product
from hub.recs.service import Pick


@strawberry.input(description="What the shopper is doing now, to shape the picks.")
class RecommendationContext:
    product_sku: str | None = strawberry.field(
        default=None, description="The product on screen: cross-sell goes with it."
    )
    new_only: bool = strawberry.field(
        default=False, description="Leave out what the customer has bought before."
    )


@strawberry.type(description="A pick for this customer, with the reason in plain words.")
class Recommendation:
    product: Product
    score: float
    reason: str
    kind: str = strawberry.field(
        description="COLLABORATIVE (bought together), REBUY, UPSELL, INTEREST or POPULAR."
    )
    recommendation_id: str = strawberry.field(
        description="Send back with RECOMMENDATION_SHOWN / _CLICKED events for attribution."
    )
    personal: bool = strawberry.field(description="False for popular, non-personal picks.")

    @classmethod
    def of(cls, pick: Pick) -> Recommendation:
        return cls(
            product=Product.of(pick.product),
            score=pick.score,
            reason=pick.reason,
            kind=pick.kind,
            recommendation_id=pick.recommendation_id,
            personal=pick.personal,
        )


@strawberry.type(description="Picks that belong together, with the reason for the group.")
class RecommendationGroup:
    title: str
    reason: str
    items: list[Recommendation]


@strawberry.type
class RecommendationCenter:
    profile_id: strawberry.ID | None
    personal: bool
    groups: list[RecommendationGroup]
