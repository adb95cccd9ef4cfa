from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class RequestCode(BaseModel):
    request_self_service_code: "RequestCodeRequestSelfServiceCode" = Field(
        alias="requestSelfServiceCode"
    )


class RequestCodeRequestSelfServiceCode(BaseModel):
    sent: bool
    medium: str | None
    masked_recipient: str | None = Field(alias="maskedRecipient")
    expires_at: str | None = Field(alias="expiresAt")
    user_errors: list["RequestCodeRequestSelfServiceCodeUserErrors"] = Field(alias="userErrors")


RequestCodeRequestSelfServiceCodeUserErrors = Problem
RequestCode.model_rebuild()
RequestCodeRequestSelfServiceCode.model_rebuild()
