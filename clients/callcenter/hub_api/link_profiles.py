from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem, Profile360


class LinkProfiles(BaseModel):
    link_profiles: "LinkProfilesLinkProfiles" = Field(alias="linkProfiles")


class LinkProfilesLinkProfiles(BaseModel):
    profile: Optional["LinkProfilesLinkProfilesProfile"]
    user_errors: list["LinkProfilesLinkProfilesUserErrors"] = Field(alias="userErrors")


LinkProfilesLinkProfilesProfile = Profile360
LinkProfilesLinkProfilesUserErrors = Problem
LinkProfiles.model_rebuild()
LinkProfilesLinkProfiles.model_rebuild()
