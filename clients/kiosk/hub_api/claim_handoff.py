from pydantic import Field

from .base_model import BaseModel
from .enums import HandoffKind
from .fragments import Problem


class ClaimHandoff(BaseModel):
    claim_handoff: "ClaimHandoffClaimHandoff" = Field(alias="claimHandoff")


class ClaimHandoffClaimHandoff(BaseModel):
    kind: HandoffKind | None
    profile_id: str | None = Field(alias="profileId")
    first_name: str | None = Field(alias="firstName")
    items: list["ClaimHandoffClaimHandoffItems"]
    user_errors: list["ClaimHandoffClaimHandoffUserErrors"] = Field(alias="userErrors")


class ClaimHandoffClaimHandoffItems(BaseModel):
    sku: str
    quantity: int


ClaimHandoffClaimHandoffUserErrors = Problem
ClaimHandoff.model_rebuild()
ClaimHandoffClaimHandoff.model_rebuild()
