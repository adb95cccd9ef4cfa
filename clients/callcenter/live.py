"""`profileChanged` over the graphql-transport-ws protocol, with the `websockets` package.

The typed client (`hub_api`) hands the subscription's document and variables to
`HubClient`'s transport, which runs them here; its answers come back as `ProfileChange`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from .hub_api.fragments import Change
from .models import touchpoint_label


class ProfileChange(Change):
    """One committed change announced by the hub's `profileChanged` subscription."""

    def describe(self) -> str:
        text = self.summary or (self.kind or "change").replace("_", " ").lower()
        where = touchpoint_label(self.touchpoint)
        return f"{text} ({where})" if where and where.lower() not in text.lower() else text


PROTOCOL = Subprotocol("graphql-transport-ws")


class SubscriptionRefused(Exception):
    """The hub closed or rejected the subscription (bad token, unknown profile)."""


def websocket_url(hub_url: str) -> str:
    scheme, _, rest = hub_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest.rstrip('/')}/graphql"


async def subscribe(
    hub_url: str,
    bearer: str | None,
    payload: Mapping[str, Any],
    *,
    on_ready: Callable[[], None] | None = None,
    open_timeout: float = 5.0,
) -> AsyncIterator[dict[str, Any]]:
    """Yield the `data` of each result; returns when the hub closes, raises on refusal.

    `payload` is the subscribe message's (query, operationName, variables). `on_ready` is
    called once the hub has accepted the subscription. Reconnecting is the caller's business:
    it knows whether to back off and what to reload.
    """
    async with connect(
        websocket_url(hub_url),
        subprotocols=[PROTOCOL],
        open_timeout=open_timeout,
        ping_interval=10,
        ping_timeout=10,
        close_timeout=1,
        proxy=None,
    ) as socket:
        init: dict[str, Any] = {"type": "connection_init"}
        if bearer:
            init["payload"] = {"authorization": f"Bearer {bearer}"}
        await socket.send(json.dumps(init))
        try:
            while True:
                message = json.loads(await socket.recv())
                if message.get("type") == "connection_ack":
                    break
                if message.get("type") == "ping":
                    await socket.send(json.dumps({"type": "pong"}))
        except ConnectionClosed as exc:
            # 44xx: the hub turned the key or token away (a drop or a restart is not that).
            if exc.rcvd is not None and 4400 <= exc.rcvd.code < 4500:
                raise SubscriptionRefused(exc.rcvd.reason or "refused") from exc
            raise
        operation = str(uuid.uuid4())
        await socket.send(json.dumps({"id": operation, "type": "subscribe", "payload": payload}))
        if on_ready is not None:
            on_ready()
        async for raw in socket:
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "ping":
                await socket.send(json.dumps({"type": "pong"}))
            elif kind == "next" and message.get("id") == operation:
                result = message.get("payload") or {}
                if result.get("errors"):
                    raise SubscriptionRefused(_messages(result["errors"]))
                if result.get("data"):
                    yield result["data"]
            elif kind == "error":
                raise SubscriptionRefused(_messages(message.get("payload") or []))
            elif kind == "complete":
                return


def _messages(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message", "error")) for e in errors) or "subscription refused"
