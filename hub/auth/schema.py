"""Agent sign-in and (for admins) channel keys."""

from __future__ import annotations

import logging
import math
from datetime import datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Channel
from hub.api.errors import UserError, user_errors
from hub.api.mutation import attempt
from hub.api.permissions import AgentSession, Guard
from hub.auth import service as auth
from hub.auth.models import Agent
from hub.auth.throttle import SharedThrottle
from hub.enums import Channel as ChannelValue
from hub.errors import DomainError, ErrorCode

log = logging.getLogger("hub.auth")


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


async def _sign_in(
    ctx: Context, username: str, password: str
) -> tuple[tuple[str, datetime, Agent] | None, list[UserError]]:
    try:
        agent = await auth.check_password(ctx.hub.db, username, password)
    except DomainError as error:
        return None, user_errors(error)
    ttl = ctx.settings.agent_token_ttl_seconds

    async def work(session: AsyncSession) -> tuple[str, datetime, Agent]:
        return await auth.login(session, agent, ttl)

    return await attempt(ctx, work)


def _wrong_password(errors: list[UserError]) -> bool:
    return any(error.code == ErrorCode.INVALID_CREDENTIALS.value for error in errors)


def _too_many_attempts(wait_seconds: float) -> UserError:
    minutes = math.ceil(wait_seconds / 60)
    when = (
        f"in {minutes} minute{'s' if minutes > 1 else ''}"
        if wait_seconds > 60
        else f"in {math.ceil(wait_seconds)} second{'s' if wait_seconds > 1 else ''}"
    )
    return UserError(
        field=None,
        code=ErrorCode.TOO_MANY_ATTEMPTS.value,
        message=f"Too many failed sign-ins; please try again {when}.",
    )


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Sign an agent in (send with a callcenter key); returns a bearer token.",
        extensions=[Guard(Scope.AGENT_LOGIN)],
    )
    async def agent_login(self, info: Info, username: str, password: str) -> AgentLoginPayload:
        ctx: Context = info.context
        throttle = SharedThrottle.of_process(ctx.hub.state, ctx.settings, ctx.hub.db)
        address = ctx.client_address
        wait = await throttle.begin(username, address)
        if wait is not None:
            log.info("refused a sign-in from %s: too many failures", address)
            return AgentLoginPayload(user_errors=[_too_many_attempts(wait)])
        verdict: bool | None = None  # none when the hub, not the password, failed
        try:
            result, errors = await _sign_in(ctx, username, password)
            if result is not None or _wrong_password(errors):
                verdict = result is not None
        finally:
            if await throttle.end(username, address, verdict):
                log.warning("sign-ins locked after repeated failures (from %s)", address)
        if result is None:
            if verdict is False:
                log.info("a sign-in failed from %s", address)
            return AgentLoginPayload(user_errors=errors)
        token, expires, agent = result
        return AgentLoginPayload(token=token, expires_at=expires, display_name=agent.display_name)

    @strawberry.mutation(
        description="End this agent session: the token stops working on every hub replica "
        "(within RAPPORT_AUTH_CACHE_SECONDS on the others).",
        extensions=[AgentSession()],
    )
    async def agent_logout(self, info: Info[Context, None]) -> AgentLogoutPayload:
        ctx = info.context

        async def work(session: AsyncSession) -> bool:
            return await auth.logout(session, ctx.principal)

        done, errors = await attempt(ctx, work)
        # A socket signed in with its connection_init payload, an HTTP call with its header.
        bearer = ctx.bearer
        if bearer is None and ctx.request is not None:
            bearer = auth.bearer_from(ctx.request.headers.get("authorization"))
        if bearer is not None:
            ctx.hub.authenticator.forget(bearer)
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
