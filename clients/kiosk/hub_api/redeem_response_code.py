from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class RedeemResponseCode(BaseModel):
    redeem_response_code: "RedeemResponseCodeRedeemResponseCode" = Field(alias="redeemResponseCode")


class RedeemResponseCodeRedeemResponseCode(BaseModel):
    redeemed: bool
    first_name: str | None = Field(alias="firstName")
    duplicate: bool
    user_errors: list["RedeemResponseCodeRedeemResponseCodeUserErrors"] = Field(alias="userErrors")


RedeemResponseCodeRedeemResponseCodeUserErrors = Problem
RedeemResponseCode.model_rebuild()
RedeemResponseCodeRedeemResponseCode.model_rebuild()
