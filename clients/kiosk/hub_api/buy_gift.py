from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class BuyGift(BaseModel):
    buy_from_gift_registry: "BuyGiftBuyFromGiftRegistry" = Field(alias="buyFromGiftRegistry")


class BuyGiftBuyFromGiftRegistry(BaseModel):
    duplicate: bool
    item: Optional["BuyGiftBuyFromGiftRegistryItem"]
    user_errors: list["BuyGiftBuyFromGiftRegistryUserErrors"] = Field(alias="userErrors")


class BuyGiftBuyFromGiftRegistryItem(BaseModel):
    sku: str
    remaining: int


BuyGiftBuyFromGiftRegistryUserErrors = Problem
BuyGift.model_rebuild()
BuyGiftBuyFromGiftRegistry.model_rebuild()
