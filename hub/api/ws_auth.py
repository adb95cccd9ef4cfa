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
    """Refuses each query, mutation or subscription on a socket whose sign-in has ended, and
    lets go of each operation's reads when it ends.

    Only a WebSocket's context carries `bearer`: an HTTP request was checked by the gate
    moments ago and costs no more than this attribute test."""

    async def on_operation(self) -> AsyncIterator[None]:
        """A socket's context lives as long as the socket: what an operation read is let go
        when it ends. Its read session held a pooled connection (on PostgreSQL an open
        transaction) until the socket closed, so a score of clients that each ran one query
        over their socket left none for anybody; and the DataLoaders' answers would have
        served the socket's next operation stale."""
        try:
            yield
        finally:
            ctx = self.execution_context.context
            if isinstance(ctx, Context) and ctx.bearer is not None:
                await ctx.forget_reads()

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
