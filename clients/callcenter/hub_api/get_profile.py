from typing import Optional

from .base_model import BaseModel
from .fragments import Profile360


class GetProfile(BaseModel):
    profile: Optional["GetProfileProfile"]


GetProfileProfile = Profile360
GetProfile.model_rebuild()
