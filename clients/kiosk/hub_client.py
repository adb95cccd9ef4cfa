"""The kiosk's only way to the hub: the typed client generated from operations/ (`hub_api`,
see regenerate.py) on one transport — httpx for queries and mutations, graphql-transport-ws
for the `profileChanged` relay — with one error type, `HubError`.

The kiosk key stays here, on the server; pages never see it. A self-service token (the
ledger's) goes instead of the key on the requests that pass `bearer=`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar, cast

import httpx
import websockets

from clients.kiosk.hub_api import HubApi
from clients.kiosk.hub_api.async_base_client import HttpClient

T = TypeVar("T")
CONSISTENCY = "X-Rapport-Consistency"


class HubError(Exception):
    """The hub could not be reached or answered with GraphQL errors (not userErrors)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class HubClient(HubApi):
    """The generated client with the kiosk key (or a shopper's token), the hub's
    read-your-writes token and every failure turned into a `HubError`."""

    def __init__(
        self,
        graphql_url: str,
        key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(timeout=10.0, transport=transport)
        # httpx.AsyncClient is the HttpClient the generated base client expects (its protocol
        # spells `post` more loosely than httpx types it).
        super().__init__(url=graphql_url, http_client=cast(HttpClient, self._http))
        self.graphql_url = graphql_url
        self._key = key
        self._cache: dict[str, tuple[float, Any]] = {}
        # The hub's read-your-writes token (X-Rapport-Consistency, docs/api.md): the last one
        # it sent, sent back with every request so a read after a write sees it on any hub.
        self._consistency: str | None = None

    async def cached(self, key: str, seconds: float, load: Callable[[], Awaitable[T]]) -> T:
        """Catalogue facts change slowly: keep one answer for a while instead of asking again."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return cast(T, hit[1])
        value = await load()
        self._cache[key] = (time.monotonic() + seconds, value)
        return value

    async def aclose(self) -> None:
        await self._http.aclose()

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        *,
        bearer: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {bearer or self._key}"}
        if self._consistency:
            headers[CONSISTENCY] = self._consistency
        try:
            response = await super().execute(
                query, operation_name, variables, headers=headers, **kwargs
            )
        except httpx.HTTPError as exc:
            raise HubError(f"hub unreachable: {exc.__class__.__name__}") from exc
        assert isinstance(response, httpx.Response)
        if response.status_code != 200:
            raise HubError(f"hub answered HTTP {response.status_code}", response.status_code)
        self._consistency = response.headers.get(CONSISTENCY) or self._consistency
        return response

    def get_data(self, response: Any) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError as exc:
            raise HubError("hub answered with something other than JSON") from exc
        if payload.get("errors"):
            raise HubError("; ".join(e.get("message", "?") for e in payload["errors"]))
        data: dict[str, Any] = payload.get("data") or {}
        return data

    async def execute_ws(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        *,
        on_subscribed: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each `next` payload's data of one graphql-transport-ws subscription.

        `on_subscribed` is called once the subscribe message is sent.
        """
        ws_url = "ws" + self.graphql_url.removeprefix("http")
        async with websockets.connect(
            ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")], open_timeout=10
        ) as ws:
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {self._key}"}}
            await ws.send(json.dumps(init))
            while True:
                message = json.loads(await ws.recv())
                if message.get("type") == "connection_ack":
                    break
                if message.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
            operation = str(uuid.uuid4())
            payload = {"query": query, "operationName": operation_name, "variables": variables}
            await ws.send(json.dumps({"id": operation, "type": "subscribe", "payload": payload}))
            if on_subscribed is not None:
                on_subscribed()
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif kind == "next":
                    result = message.get("payload") or {}
                    if result.get("errors"):
                        raise HubError(str(result["errors"]))
                    if result.get("data"):
                        yield result["data"]
                elif kind == "error":
                    raise HubError(str(message.get("payload")))
                elif kind == "complete":
                    return
