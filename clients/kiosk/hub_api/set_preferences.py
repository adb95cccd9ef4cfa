from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class SetPreferences(BaseModel):
    set_preferences: "SetPreferencesSetPreferences" = Field(alias="setPreferences")


class SetPreferencesSetPreferences(BaseModel):
    user_errors: list["SetPreferencesSetPreferencesUserErrors"] = Field(alias="userErrors")


SetPreferencesSetPreferencesUserErrors = Problem
SetPreferences.model_rebuild()
SetPreferencesSetPreferences.model_rebuild()
