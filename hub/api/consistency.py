"""Read-your-writes across hubs that read from hot standbys (hub/replicas.py).

An HTTP query may read from a standby; a mutation, and any operation on a WebSocket, reads
from the primary. The answer to an operation that wrote carries `X-Rapport-Consistency`: the
primary's WAL position after the commit. A client sends the last token it got back with its
next requests, to any hub; a query carrying one reads from a standby only once that standby has
replayed that far (waiting up to RAPPORT_READ_WAIT_SECONDS), else from the primary.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from hub.api.context import Context
from hub.replicas import HEADER, format_position, parse_position

log = logging.getLogger("hub.api")


class Consistency(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context.context
        try:
            query = self.execution_context.operation_type is OperationType.QUERY
        except RuntimeError:  # no document: nothing will execute
            query = False
        applies = begin(ctx, query=query)
        yield
        if applies:
            await finish(ctx)


def begin(ctx: object, *, query: bool) -> bool:
    """Before an operation runs: whether it may read from a standby, and the client's token
    (HTTP only, with standbys configured). True when `finish` has work to do after it."""
    if not isinstance(ctx, Context) or ctx.hub.replicas is None:
        return False
    request = ctx.request
    if request is None or request.scope.get("type") != "http":
        return False
    ctx.consistency = request.headers.get(HEADER)
    ctx.standby_reads = query
    return True


async def finish(ctx: Context) -> None:
    """After an operation that `begin` applied to: the answer's token."""
    replicas = ctx.hub.replicas
    assert replicas is not None
    position = parse_position(ctx.consistency)
    if ctx.wrote:
        try:
            # Past every token the primary ever handed out: newer than the client's, unless
            # the client's is from elsewhere, which is then not handed back.
            position = await replicas.primary_position()
        except Exception:  # the write is committed; only the token is missing
            log.warning("could not read the primary's WAL position for the token")
    response = ctx.response
    if position is not None and response is not None and hasattr(response, "headers"):
        # The newer of what the client sent and what this request wrote: a client keeps
        # the last token it received.
        response.headers[HEADER] = format_position(position)
