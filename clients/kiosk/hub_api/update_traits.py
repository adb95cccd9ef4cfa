from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class UpdateTraits(BaseModel):
    update_traits: "UpdateTraitsUpdateTraits" = Field(alias="updateTraits")


class UpdateTraitsUpdateTraits(BaseModel):
    profile: Optional["UpdateTraitsUpdateTraitsProfile"]
    user_errors: list["UpdateTraitsUpdateTraitsUserErrors"] = Field(alias="userErrors")


class UpdateTraitsUpdateTraitsProfile(BaseModel):
    id: str
    first_name: str | None = Field(alias="firstName")
    last_name: str | None = Field(alias="lastName")


UpdateTraitsUpdateTraitsUserErrors = Problem
UpdateTraits.model_rebuild()
UpdateTraitsUpdateTraits.model_rebuild()
