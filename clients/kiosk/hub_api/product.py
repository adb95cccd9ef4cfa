from typing import Optional

from .base_model import BaseModel
from .fragments import ProductCard


class Product(BaseModel):
    product: Optional["ProductProduct"]


ProductProduct = ProductCard
Product.model_rebuild()
