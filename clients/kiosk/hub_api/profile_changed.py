from pydantic import Field

from .base_model import BaseModel
from .enums import Touchpoint


class ProfileChanged(BaseModel):
    profile_changed: "ProfileChangedProfileChanged" = Field(alias="profileChanged")


class ProfileChangedProfileChanged(BaseModel):
    profile_id: str = Field(alias="profileId")
    version: int
    touchpoint: Touchpoint
    kind: str


ProfileChanged.model_rebuild()
