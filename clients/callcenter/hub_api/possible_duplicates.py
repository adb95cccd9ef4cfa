from typing import Any

from pydantic import Field

from .base_model import BaseModel


class PossibleDuplicates(BaseModel):
    possible_duplicates: list["PossibleDuplicatesPossibleDuplicates"] = Field(
        alias="possibleDuplicates"
    )


class PossibleDuplicatesPossibleDuplicates(BaseModel):
    id: str
    reason: str
    evidence: Any
    profile_ids: list[str] = Field(alias="profileIds")
    created_at: str = Field(alias="createdAt")


PossibleDuplicates.model_rebuild()
