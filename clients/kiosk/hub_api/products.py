from .base_model import BaseModel
from .fragments import ProductCard


class Products(BaseModel):
    products: list["ProductsProducts"]


ProductsProducts = ProductCard
Products.model_rebuild()
