from pydantic import Field

from .base_model import BaseModel
from .fragments import ProfileCard


class SearchProfiles(BaseModel):
    search_profiles: list["SearchProfilesSearchProfiles"] = Field(alias="searchProfiles")


SearchProfilesSearchProfiles = ProfileCard
SearchProfiles.model_rebuild()
