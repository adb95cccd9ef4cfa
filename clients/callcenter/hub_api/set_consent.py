from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem, Profile360


class SetConsent(BaseModel):
    set_consent: "SetConsentSetConsent" = Field(alias="setConsent")


class SetConsentSetConsent(BaseModel):
    profile: Optional["SetConsentSetConsentProfile"]
    user_errors: list["SetConsentSetConsentUserErrors"] = Field(alias="userErrors")


SetConsentSetConsentProfile = Profile360
SetConsentSetConsentUserErrors = Problem
SetConsent.model_rebuild()
SetConsentSetConsent.model_rebuild()
