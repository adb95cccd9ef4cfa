from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import PreferenceSource, Touchpoint
from .fragments import ProductCard


class ForYou(BaseModel):
    profile: Optional["ForYouProfile"]


class ForYouProfile(BaseModel):
    id: str
    first_name: str | None = Field(alias="firstName")
    version: int
    preferences: list["ForYouProfilePreferences"]
    recommendations: list["ForYouProfileRecommendations"]


class ForYouProfilePreferences(BaseModel):
    key: str
    value: str
    label: str | None
    like: bool
    weight: float
    source: PreferenceSource
    touchpoint: Touchpoint | None
    reason: str


class ForYouProfileRecommendations(BaseModel):
    score: float
    reason: str
    recommendation_id: str = Field(alias="recommendationId")
    personal: bool
    product: "ForYouProfileRecommendationsProduct"


ForYouProfileRecommendationsProduct = ProductCard
ForYou.model_rebuild()
ForYouProfile.model_rebuild()
ForYouProfileRecommendations.model_rebuild()
