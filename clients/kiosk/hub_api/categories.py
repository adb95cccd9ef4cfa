from pydantic import Field

from .base_model import BaseModel


class Categories(BaseModel):
    categories: list["CategoriesCategories"]


class CategoriesCategories(BaseModel):
    slug: str
    name: str
    product_count: int | None = Field(alias="productCount")


Categories.model_rebuild()
