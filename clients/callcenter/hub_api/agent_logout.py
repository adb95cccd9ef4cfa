from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class AgentLogout(BaseModel):
    agent_logout: "AgentLogoutAgentLogout" = Field(alias="agentLogout")


class AgentLogoutAgentLogout(BaseModel):
    signed_out: bool = Field(alias="signedOut")
    user_errors: list["AgentLogoutAgentLogoutUserErrors"] = Field(alias="userErrors")


AgentLogoutAgentLogoutUserErrors = Problem
AgentLogout.model_rebuild()
AgentLogoutAgentLogout.model_rebuild()
