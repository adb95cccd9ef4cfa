"""Agent sign-in and (for admins) channel keys."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.api.enums import Channel
from hub.api.errors import UserError, forbidden
from hub.api.mutation import attempt
from hub.api.permissions import Guard
from hub.auth import service as auth
from hub.auth.scopes import Scope
from hub.enums import Channel as ChannelValue


@strawberry.type
class AgentLoginPayload:
    token: str | None = strawberry.field(default=None, description="Send as the bearer from now.")
    expires_at: datetime | None = None
    display_name: str | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AgentLogoutPayload:
    signed_out: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateApiKeyPayload:
    key: str | None = strawberry.field(default=None, description="Shown once; stored hashed.")
    channel: Channel | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Sign an agent in (send with a callcenter key); returns a bearer token.",
        extensions=[Guard(Scope.AGENT_LOGIN)],
    )
    async def agent_login(self, info: Info, username: str, password: str) -> AgentLoginPayload:
        ttl = info.context.settings.agent_token_ttl_seconds

        async def work(session):  # type: ignore[no-untyped-def]
            return await auth.login(session, username, password, ttl)

        result, errors = await attempt(info.context, work)
        if result is None:
            return AgentLoginPayload(user_errors=errors)
        token, expires, agent = result
        return AgentLoginPayload(token=token, expires_at=expires, display_name=agent.display_name)

    @strawberry.mutation(
        description="End this agent session: the token stops working on every hub replica "
        "(within RAPPORT_AUTH_CACHE_SECONDS on the others)."
    )
    async def agent_logout(self, info: Info) -> AgentLogoutPayload:
        ctx = info.context
        principal = ctx.principal
        if principal is None or principal.token_id is None:
            return AgentLogoutPayload(user_errors=forbidden("Only an agent's session signs out."))
        token_id = principal.token_id

        async def work(session):  # type: ignore[no-untyped-def]
            return await auth.logout(session, token_id)

        done, errors = await attempt(ctx, work)
        if ctx.request is not None:
            ctx.hub.authenticator.forget(auth.bearer_from(ctx.request.headers.get("authorization")))
        return AgentLogoutPayload(signed_out=bool(done), user_errors=errors)

    @strawberry.mutation(extensions=[Guard(Scope.ADMIN)])
    async def create_api_key(
        self, info: Info, channel: Channel, name: str = ""
    ) -> CreateApiKeyPayload:
        async def work(session):  # type: ignore[no-untyped-def]
            return await auth.create_key(session, ChannelValue(channel), name)

        result, errors = await attempt(info.context, work)
        if result is None:
            return CreateApiKeyPayload(user_errors=errors)
        return CreateApiKeyPayload(key=result[1], channel=channel)
