"""A WebSocket is signed in once, when it connects; every operation sent on it later is checked
again, so a revoked key, a signed-out or disabled agent, a new password or an expired token
stops it within RAPPORT_AUTH_CACHE_SECONDS (an expired token at once)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from hub.api.context import Context
from hub.api.errors import ClientError

log = logging.getLogger("hub.auth")
SIGNED_OUT = "Your sign-in has ended."


class SocketSignIn(SchemaExtension):
    """Refuses each query, mutation or subscription on a socket whose sign-in has ended.

    Only a WebSocket's context carries `bearer`: an HTTP request was checked by the gate
    moments ago and costs no more than this attribute test."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context.context
        if isinstance(ctx, Context) and ctx.bearer is not None and not await ctx.still_signed_in():
            log.info(
                "refused an operation on a socket of %s: the sign-in has ended",
                ctx.principal.actor if ctx.principal else "nobody",
            )
            # Raised before execution: strawberry answers it as the operation's one error.
            raise ClientError(SIGNED_OUT, "UNAUTHENTICATED")
        yield
