from pydantic import Field

from .base_model import BaseModel


class Registries(BaseModel):
    gift_registries: list["RegistriesGiftRegistries"] = Field(alias="giftRegistries")


class RegistriesGiftRegistries(BaseModel):
    code: str
    title: str
    occasion: str
    event_date: str | None = Field(alias="eventDate")
    owner_first_name: str | None = Field(alias="ownerFirstName")


Registries.model_rebuild()
