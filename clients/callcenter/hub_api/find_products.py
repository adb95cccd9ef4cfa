from .base_model import BaseModel


class FindProducts(BaseModel):
    products: list["FindProductsProducts"]


class FindProductsProducts(BaseModel):
    sku: str
    name: str


FindProducts.model_rebuild()
