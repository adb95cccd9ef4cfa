"""`profileChanged` over the graphql-transport-ws protocol, with the `websockets` package."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from .models import JSON, touchpoint_label


@dataclass(frozen=True)
class ProfileChange:
    """One committed change announced by the hub's `profileChanged` subscription."""

    profile_id: str
    version: int | None
    touchpoint: str | None
    kind: str | None
    summary: str | None
    merged_into: str | None = None

    @classmethod
    def from_json(cls, data: JSON) -> ProfileChange:
        return cls(
            str(data.get("profileId", "")),
            data.get("version"),
            data.get("touchpoint"),
            data.get("kind"),
            data.get("summary"),
            data.get("mergedInto"),
        )

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


async def profile_changes(
    hub_url: str,
    bearer: str | None,
    profile_id: str,
    document: str,
    *,
    on_ready: Callable[[], None] | None = None,
    open_timeout: float = 5.0,
) -> AsyncIterator[ProfileChange]:
    """Yield each change to the profile; returns when the hub closes, raises on refusal.

    `on_ready` is called once the hub has accepted the subscription. Reconnecting is the
    caller's business: it knows whether to back off and what to reload.
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
        await socket.send(
            json.dumps(
                {
                    "id": operation,
                    "type": "subscribe",
                    "payload": {"query": document, "variables": {"profileId": profile_id}},
                }
            )
        )
        if on_ready is not None:
            on_ready()
        async for raw in socket:
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "ping":
                await socket.send(json.dumps({"type": "pong"}))
            elif kind == "next" and message.get("id") == operation:
                payload = message.get("payload") or {}
                if payload.get("errors"):
                    raise SubscriptionRefused(_messages(payload["errors"]))
                change = (payload.get("data") or {}).get("profileChanged")
                if change:
                    yield ProfileChange.from_json(change)
            elif kind == "error":
                raise SubscriptionRefused(_messages(message.get("payload") or []))
            elif kind == "complete":
                return


def _messages(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message", "error")) for e in errors) or "subscription refused"
