from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class SendList(BaseModel):
    send_list: "SendListSendList" = Field(alias="sendList")


class SendListSendList(BaseModel):
    sent: bool
    masked_recipient: str | None = Field(alias="maskedRecipient")
    user_errors: list["SendListSendListUserErrors"] = Field(alias="userErrors")


SendListSendListUserErrors = Problem
SendList.model_rebuild()
SendListSendList.model_rebuild()
