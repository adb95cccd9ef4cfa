from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem, Profile360


class SetPreferences(BaseModel):
    set_preferences: "SetPreferencesSetPreferences" = Field(alias="setPreferences")


class SetPreferencesSetPreferences(BaseModel):
    profile: Optional["SetPreferencesSetPreferencesProfile"]
    user_errors: list["SetPreferencesSetPreferencesUserErrors"] = Field(alias="userErrors")


SetPreferencesSetPreferencesProfile = Profile360
SetPreferencesSetPreferencesUserErrors = Problem
SetPreferences.model_rebuild()
SetPreferencesSetPreferences.model_rebuild()
