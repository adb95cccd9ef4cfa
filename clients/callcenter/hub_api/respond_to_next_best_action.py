from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class RespondToNextBestAction(BaseModel):
    respond_to_next_best_action: "RespondToNextBestActionRespondToNextBestAction" = Field(
        alias="respondToNextBestAction"
    )


class RespondToNextBestActionRespondToNextBestAction(BaseModel):
    accepted: bool
    user_errors: list["RespondToNextBestActionRespondToNextBestActionUserErrors"] = Field(
        alias="userErrors"
    )


RespondToNextBestActionRespondToNextBestActionUserErrors = Problem
RespondToNextBestAction.model_rebuild()
RespondToNextBestActionRespondToNextBestAction.model_rebuild()
