from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class Identify(BaseModel):
    identify: "IdentifyIdentify"


class IdentifyIdentify(BaseModel):
    profile: Optional["IdentifyIdentifyProfile"]
    merged: bool
    created: bool
    user_errors: list["IdentifyIdentifyUserErrors"] = Field(alias="userErrors")


class IdentifyIdentifyProfile(BaseModel):
    id: str
    first_name: str | None = Field(alias="firstName")
    display_name: str = Field(alias="displayName")
    version: int


IdentifyIdentifyUserErrors = Problem
Identify.model_rebuild()
IdentifyIdentify.model_rebuild()
