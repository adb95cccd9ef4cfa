from pydantic import Field

from .base_model import BaseModel
from .fragments import ProductCard


class RecommendationCenter(BaseModel):
    recommendation_center: "RecommendationCenterRecommendationCenter" = Field(
        alias="recommendationCenter"
    )


class RecommendationCenterRecommendationCenter(BaseModel):
    personal: bool
    groups: list["RecommendationCenterRecommendationCenterGroups"]


class RecommendationCenterRecommendationCenterGroups(BaseModel):
    title: str
    reason: str
    items: list["RecommendationCenterRecommendationCenterGroupsItems"]


class RecommendationCenterRecommendationCenterGroupsItems(BaseModel):
    score: float
    reason: str
    recommendation_id: str = Field(alias="recommendationId")
    personal: bool
    product: "RecommendationCenterRecommendationCenterGroupsItemsProduct"


RecommendationCenterRecommendationCenterGroupsItemsProduct = ProductCard
RecommendationCenter.model_rebuild()
RecommendationCenterRecommendationCenter.model_rebuild()
RecommendationCenterRecommendationCenterGroups.model_rebuild()
RecommendationCenterRecommendationCenterGroupsItems.model_rebuild()
