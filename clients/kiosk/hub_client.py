"""The kiosk's only way to the hub: GraphQL over HTTP (httpx) and graphql-transport-ws.

The kiosk key stays here, on the server; pages never see it.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import httpx
import websockets

_INTROSPECTION = """
query KioskCapabilities {
  __schema {
    types {
      name kind
      fields { name type { ...Ref } args { name type { ...Ref } } }
      inputFields { name }
      enumValues { name }
    }
  }
}
fragment Ref on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name } } }
}
"""


T = TypeVar("T")


class HubError(Exception):
    """The hub could not be reached or answered with GraphQL errors (not userErrors)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Capabilities:
    """Which types and fields the hub's schema has, so the kiosk only asks for what exists."""

    fields: dict[str, set[str]] = field(default_factory=dict)
    enums: dict[str, set[str]] = field(default_factory=dict)
    arg_types: dict[str, str] = field(default_factory=dict)
    field_types: dict[str, str] = field(default_factory=dict)

    def has(self, path: str) -> bool:
        type_name, _, field_name = path.partition(".")
        return field_name in self.fields.get(type_name, set())

    def pick(self, type_name: str, *names: str) -> str:
        """The subset of scalar `names` that `type_name` has, as a selection."""
        have = self.fields.get(type_name, set())
        return " ".join(n for n in names if n in have)

    def arg_type(self, path: str, arg: str, default: str) -> str:
        """The GraphQL type of an argument as written in a variable definition."""
        return self.arg_types.get(f"{path}.{arg}", default)

    def returns(self, path: str) -> str:
        """The named type a field returns, without list or non-null wrappers."""
        return self.field_types.get(path, "").strip("[]!")

    def pick_in(self, path: str, *names: str) -> str:
        """The subset of `names` that the type returned by field `path` has."""
        return self.pick(self.returns(path), *names)

    def enum_has(self, enum: str, value: str) -> bool:
        return value in self.enums.get(enum, set())

    @classmethod
    def from_schema(cls, schema: dict[str, Any]) -> Capabilities:
        caps = cls()
        for t in schema["types"]:
            names = {f["name"] for f in (t.get("fields") or t.get("inputFields") or [])}
            caps.fields[t["name"]] = names
            for f in t.get("fields") or []:
                caps.field_types[f"{t['name']}.{f['name']}"] = _type_ref(f["type"])
                for a in f.get("args") or []:
                    caps.arg_types[f"{t['name']}.{f['name']}.{a['name']}"] = _type_ref(a["type"])
            if t.get("enumValues"):
                caps.enums[t["name"]] = {v["name"] for v in t["enumValues"]}
        return caps


def _type_ref(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return _type_ref(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return "[" + _type_ref(ref["ofType"]) + "]"
    return str(ref["name"])


CONSISTENCY = "X-Rapport-Consistency"


class HubClient:
    def __init__(
        self,
        graphql_url: str,
        key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        capabilities_ttl: float = 60.0,
    ) -> None:
        self.graphql_url = graphql_url
        self._key = key
        self._http = httpx.AsyncClient(timeout=10.0, transport=transport)
        self._caps: Capabilities | None = None
        self._caps_at = 0.0
        self._caps_ttl = capabilities_ttl
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
        self, query: str, variables: dict[str, Any] | None = None, *, bearer: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {bearer or self._key}"}
        if self._consistency:
            headers[CONSISTENCY] = self._consistency
        body = {"query": query, "variables": variables or {}}
        try:
            response = await self._http.post(self.graphql_url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise HubError(f"hub unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise HubError(f"hub answered HTTP {response.status_code}", response.status_code)
        self._consistency = response.headers.get(CONSISTENCY) or self._consistency
        try:
            payload = response.json()
        except ValueError as exc:
            raise HubError("hub answered with something other than JSON") from exc
        if payload.get("errors"):
            raise HubError("; ".join(e.get("message", "?") for e in payload["errors"]))
        data: dict[str, Any] = payload.get("data") or {}
        return data

    async def capabilities(self) -> Capabilities:
        # The hub's API grows release by release; re-reading it now and then lets a running
        # kiosk light up pages (ledger, picks) as soon as the hub it talks to has them.
        if self._caps is None or time.monotonic() - self._caps_at > self._caps_ttl:
            try:
                data = await self.execute(_INTROSPECTION)
                self._caps = Capabilities.from_schema(data["__schema"])
                self._caps_at = time.monotonic()
            except HubError:
                if self._caps is None:
                    raise
        return self._caps

    async def subscribe(
        self,
        query: str,
        variables: dict[str, Any],
        on_subscribed: Callable[[], None] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each `next` payload's data of one graphql-transport-ws subscription."""
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
            subscribe = {"query": query, "variables": variables}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
            if on_subscribed is not None:
                on_subscribed()
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif kind == "next":
                    payload = message.get("payload") or {}
                    if payload.get("errors"):
                        raise HubError(str(payload["errors"]))
                    yield payload.get("data") or {}
                elif kind == "error":
                    raise HubError(str(message.get("payload")))
                elif kind == "complete":
                    return
