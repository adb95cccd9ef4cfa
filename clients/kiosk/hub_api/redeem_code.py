from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class RedeemCode(BaseModel):
    redeem_self_service_code: "RedeemCodeRedeemSelfServiceCode" = Field(
        alias="redeemSelfServiceCode"
    )


class RedeemCodeRedeemSelfServiceCode(BaseModel):
    token: str | None
    profile_id: str | None = Field(alias="profileId")
    expires_at: str | None = Field(alias="expiresAt")
    user_errors: list["RedeemCodeRedeemSelfServiceCodeUserErrors"] = Field(alias="userErrors")


RedeemCodeRedeemSelfServiceCodeUserErrors = Problem
RedeemCode.model_rebuild()
RedeemCodeRedeemSelfServiceCode.model_rebuild()
