from pydantic import Field

from .base_model import BaseModel
from .fragments import Problem


class AgentLogin(BaseModel):
    agent_login: "AgentLoginAgentLogin" = Field(alias="agentLogin")


class AgentLoginAgentLogin(BaseModel):
    token: str | None
    expires_at: str | None = Field(alias="expiresAt")
    user_errors: list["AgentLoginAgentLoginUserErrors"] = Field(alias="userErrors")


AgentLoginAgentLoginUserErrors = Problem
AgentLogin.model_rebuild()
AgentLoginAgentLogin.model_rebuild()
