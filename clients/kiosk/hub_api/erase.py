from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class Erase(BaseModel):
    erase_profile: "EraseEraseProfile" = Field(alias="eraseProfile")


class EraseEraseProfile(BaseModel):
    user_errors: list["EraseEraseProfileUserErrors"] = Field(alias="userErrors")


EraseEraseProfileUserErrors = Problem
Erase.model_rebuild()
EraseEraseProfile.model_rebuild()
