from typing import Optional

from .base_model import BaseModel
from .fragments import ProfileCard


class GetProfileCard(BaseModel):
    profile: Optional["GetProfileCardProfile"]


GetProfileCardProfile = ProfileCard
GetProfileCard.model_rebuild()
