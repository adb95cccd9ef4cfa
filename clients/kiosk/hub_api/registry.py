from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ProductCard


class Registry(BaseModel):
    gift_registry: Optional["RegistryGiftRegistry"] = Field(alias="giftRegistry")


class RegistryGiftRegistry(BaseModel):
    code: str
    title: str
    occasion: str
    event_date: str | None = Field(alias="eventDate")
    owner_first_name: str | None = Field(alias="ownerFirstName")
    remaining: int
    items: list["RegistryGiftRegistryItems"]


class RegistryGiftRegistryItems(BaseModel):
    sku: str
    wanted: int
    bought: int
    remaining: int
    product: Optional["RegistryGiftRegistryItemsProduct"]


RegistryGiftRegistryItemsProduct = ProductCard
Registry.model_rebuild()
RegistryGiftRegistry.model_rebuild()
RegistryGiftRegistryItems.model_rebuild()
