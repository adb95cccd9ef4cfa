from pydantic import Field

from .base_model import BaseModel
from .fragments import Change


class ProfileChanged(BaseModel):
    profile_changed: "ProfileChangedProfileChanged" = Field(alias="profileChanged")


ProfileChangedProfileChanged = Change
ProfileChanged.model_rebuild()
