from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem, Profile360


class SplitProfile(BaseModel):
    split_profile: "SplitProfileSplitProfile" = Field(alias="splitProfile")


class SplitProfileSplitProfile(BaseModel):
    survivor: Optional["SplitProfileSplitProfileSurvivor"]
    user_errors: list["SplitProfileSplitProfileUserErrors"] = Field(alias="userErrors")


SplitProfileSplitProfileSurvivor = Profile360
SplitProfileSplitProfileUserErrors = Problem
SplitProfile.model_rebuild()
SplitProfileSplitProfile.model_rebuild()
