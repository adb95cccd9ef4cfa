from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Problem(BaseModel):
    field: list[str] | None
    code: str
    message: str


class ProductCard(BaseModel):
    sku: str
    name: str
    price: float
    description: str
    in_stock: bool = Field(alias="inStock")
    tags: list[str]
    category: Optional["ProductCardCategory"]


class ProductCardCategory(BaseModel):
    slug: str
    name: str


Problem.model_rebuild()
ProductCard.model_rebuild()
