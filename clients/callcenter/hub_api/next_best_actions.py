from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import NextBestActionKind


class NextBestActions(BaseModel):
    next_best_actions: list["NextBestActionsNextBestActions"] = Field(alias="nextBestActions")


class NextBestActionsNextBestActions(BaseModel):
    id: str
    kind: NextBestActionKind
    title: str
    script: str | None
    reason: str
    priority: float
    product: Optional["NextBestActionsNextBestActionsProduct"]
    recommendation_id: str | None = Field(alias="recommendationId")


class NextBestActionsNextBestActionsProduct(BaseModel):
    sku: str
    name: str


NextBestActions.model_rebuild()
NextBestActionsNextBestActions.model_rebuild()
