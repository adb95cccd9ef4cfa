from typing import Optional

from .base_model import BaseModel
from .fragments import Profile360


class FindProfile(BaseModel):
    profile: Optional["FindProfileProfile"]


FindProfileProfile = Profile360
FindProfile.model_rebuild()
