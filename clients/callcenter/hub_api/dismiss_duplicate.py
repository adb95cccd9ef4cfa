from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class DismissDuplicate(BaseModel):
    dismiss_duplicate: "DismissDuplicateDismissDuplicate" = Field(alias="dismissDuplicate")


class DismissDuplicateDismissDuplicate(BaseModel):
    dismissed: bool
    user_errors: list["DismissDuplicateDismissDuplicateUserErrors"] = Field(alias="userErrors")


DismissDuplicateDismissDuplicateUserErrors = Problem
DismissDuplicate.model_rebuild()
DismissDuplicateDismissDuplicate.model_rebuild()
