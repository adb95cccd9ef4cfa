"""The kiosk's only way to the hub: the typed client generated from operations/ (`hub_api`,
see regenerate.py) on the apps' one transport (`clients.transport.Link`: httpx for queries and
mutations, graphql-transport-ws for the `profileChanged` relay), with one error type,
`HubError`.

The kiosk key stays here, on the server; pages never see it. A self-service token (the
ledger's) goes instead of the key on the requests that pass `bearer=`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar, cast

import httpx

from clients.kiosk.hub_api import HubApi
from clients.kiosk.hub_api.async_base_client import HttpClient
from clients.transport import HubError, HubFailure, Link

__all__ = ["HubClient", "HubError", "HubFailure"]

T = TypeVar("T")


class HubClient(HubApi):
    """The generated client with the kiosk key (or a shopper's token) on the shared `Link`."""

    def __init__(
        self,
        hub_url: str,
        key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.link = Link(hub_url, transport=transport)
        # httpx.AsyncClient is the HttpClient the generated base client expects (its protocol
        # spells `post` more loosely than httpx types it).
        super().__init__(url="/graphql", http_client=cast(HttpClient, self.link.http))
        self._key = key
        self._cache: dict[str, tuple[float, Any]] = {}

    async def cached(self, key: str, seconds: float, load: Callable[[], Awaitable[T]]) -> T:
        """Catalogue facts change slowly: keep one answer for a while instead of asking again."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return cast(T, hit[1])
        value = await load()
        self._cache[key] = (time.monotonic() + seconds, value)
        return value

    async def aclose(self) -> None:
        await self.link.aclose()

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        *,
        bearer: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        send = functools.partial(super().execute, query, operation_name, variables, **kwargs)
        refused = "self-service token" if bearer else "kiosk key"
        return await self.link.send(send, bearer or self._key, refused=refused)

    def get_data(self, response: Any) -> dict[str, Any]:
        return self.link.data(response)

    async def execute_ws(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        *,
        on_subscribed: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each result's data of one subscription, with the kiosk key; `on_subscribed`
        is called once the subscribe message is sent."""
        subscription = self.link.subscribe(
            self._key, query, operation_name, variables, on_ready=on_subscribed, **kwargs
        )
        async for data in subscription:
            yield data
