from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class SetConsent(BaseModel):
    set_consent: "SetConsentSetConsent" = Field(alias="setConsent")


class SetConsentSetConsent(BaseModel):
    user_errors: list["SetConsentSetConsentUserErrors"] = Field(alias="userErrors")


SetConsentSetConsentUserErrors = Problem
SetConsent.model_rebuild()
SetConsentSetConsent.model_rebuild()
