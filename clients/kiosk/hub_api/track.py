from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class Track(BaseModel):
    track: "TrackTrack"


class TrackTrack(BaseModel):
    accepted: int
    suppressed: int
    user_errors: list["TrackTrackUserErrors"] = Field(alias="userErrors")


TrackTrackUserErrors = Problem
Track.model_rebuild()
TrackTrack.model_rebuild()
