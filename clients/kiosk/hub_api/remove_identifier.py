from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class RemoveIdentifier(BaseModel):
    remove_identifier: "RemoveIdentifierRemoveIdentifier" = Field(alias="removeIdentifier")


class RemoveIdentifierRemoveIdentifier(BaseModel):
    user_errors: list["RemoveIdentifierRemoveIdentifierUserErrors"] = Field(alias="userErrors")


RemoveIdentifierRemoveIdentifierUserErrors = Problem
RemoveIdentifier.model_rebuild()
RemoveIdentifierRemoveIdentifier.model_rebuild()
