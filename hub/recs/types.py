from __future__ import annotations

import strawberry

from hub.catalog.types import Product


@strawberry.type(description="A pick for this customer, with the reason in plain words.")
class Recommendation:
    product: Product
    score: float
    reason: str
    recommendation_id: str = strawberry.field(
        description="Send back with RECOMMENDATION_SHOWN / _CLICKED events for attribution."
    )
    personal: bool = strawberry.field(description="False for popular, non-personal picks.")
