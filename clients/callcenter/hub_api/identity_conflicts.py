from pydantic import Field

from .base_model import BaseModel
from .enums import IdentifierKind, Touchpoint


class IdentityConflicts(BaseModel):
    identity_conflicts: list["IdentityConflictsIdentityConflicts"] = Field(
        alias="identityConflicts"
    )


class IdentityConflictsIdentityConflicts(BaseModel):
    id: str
    kind: IdentifierKind
    value: str
    profile_ids: list[str] = Field(alias="profileIds")
    touchpoint: Touchpoint
    status: str
    created_at: str = Field(alias="createdAt")


IdentityConflicts.model_rebuild()
