"""The one way both apps reach the hub: their typed clients (`hub_api`, generated from the
operations each app sends) run on `Link` — httpx for queries and mutations, a
graphql-transport-ws socket for `profileChanged` — and every failure is a `HubError`.

A `Link` carries the caller's bearer (a channel key, an agent's session token or a shopper's
self-service token) and the hub's read-your-writes token (`X-Rapport-Consistency`, docs/api.md):
the last one the hub sent goes back with every request, so a read after a write sees it on any
hub, standbys included.
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

CONSISTENCY = "X-Rapport-Consistency"
PROTOCOL = Subprotocol("graphql-transport-ws")

# Control characters (tab and newline kept) and C1 codes: a customer's name holding ESC would
# otherwise reach the agent's terminal as an escape sequence (a new window title, a cursor
# move, OSC 52 writing the clipboard), and nothing an app shows or takes from a form needs them.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])


def without_controls(text: str) -> str:
    """`text` with its control characters (but tab and newline) taken out."""
    return text if text.isprintable() else text.translate(_CONTROLS)


def printable(value: Any) -> Any:
    """A decoded JSON answer with control characters taken out of every string."""
    if isinstance(value, str):
        return without_controls(value)
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [printable(item) for item in value]
    return value


# The hub's codes for a refusal that says nothing of the request itself: try again later.
TRANSIENT_CODES = frozenset({"UNAVAILABLE", "RATE_LIMITED"})


class HubError(Exception):
    """Something went wrong between an app and the hub; the message is in plain words."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when the hub answered one


class HubUnreachable(HubError):
    """No answer from the hub: not running, wrong URL, or the network is down."""


class NotAuthorized(HubError):
    """The hub refused the key or the session (HTTP 401)."""


class HubFailure(HubError):
    """The hub answered, but not with data (HTTP 5xx or GraphQL errors); `fields`, the input
    fields its errors named (`["after"]` for a page cursor it does not know); `codes`, the codes
    they carried (`FORBIDDEN`: a shopper's token that no longer reaches the profile asked for)."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        fields: frozenset[str] = frozenset(),
        codes: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(message, status)
        self.fields = fields
        self.codes = codes

    @property
    def transient(self) -> bool:
        """The same request may well succeed a little later: the hub's database was away
        (UNAVAILABLE), the key's rate was spent, or something before the hub answered 5xx."""
        busy = self.status is not None and (self.status == 429 or self.status >= 500)
        return busy or bool(self.codes & TRANSIENT_CODES)


class SubscriptionRefused(HubError):
    """The hub closed or rejected a subscription (bad key or token, unknown profile)."""


class Link:
    """Where the hub is, one HTTP client to it, and its read-your-writes token.

    `send` wraps the generated client's own `execute` (which serialises the typed inputs) with
    the headers and the error mapping; `data` reads an answer; `subscribe` runs a subscription.
    `partial_data`: an answer whose failed fields are nullable ones is still data (the agent
    app shows what it got); otherwise any GraphQL error is a `HubFailure`.
    """

    def __init__(
        self,
        hub_url: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        partial_data: bool = False,
    ) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.http = httpx.AsyncClient(
            base_url=self.hub_url, timeout=timeout, transport=transport, trust_env=False
        )
        self.consistency: str | None = None
        self.partial_data = partial_data

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send(
        self,
        execute: Callable[..., Awaitable[Any]],
        bearer: str | None,
        *,
        refused: str = "key",
        **kwargs: Any,
    ) -> httpx.Response:
        """POST one operation through the generated client's `execute`, as `bearer` (`refused`
        names it in the words of a 401: "agent session", "kiosk key")."""
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if self.consistency:
            headers[CONSISTENCY] = self.consistency
        try:
            response = await execute(headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise HubUnreachable(describe(exc, self.hub_url)) from exc
        assert isinstance(response, httpx.Response)
        self.consistency = response.headers.get(CONSISTENCY) or self.consistency
        if response.status_code == 401:
            raise NotAuthorized(f"The hub refused the {refused} (HTTP 401).", 401)
        if response.status_code >= 400 and "json" not in response.headers.get("content-type", ""):
            raise HubFailure(f"The hub answered HTTP {response.status_code}.", response.status_code)
        return response

    def data(self, response: Any) -> dict[str, Any]:
        try:
            body = printable(response.json())
        except ValueError as exc:
            raise HubFailure(
                f"The hub answered HTTP {response.status_code} without JSON.", response.status_code
            ) from exc
        data: dict[str, Any] = body.get("data") or {}
        errors = body.get("errors")
        if errors:
            # A root field that failed (not one that is merely empty) is the hub's failure.
            failed = {str((e.get("path") or [""])[0]) for e in errors}
            if not self.partial_data or not data or any(data.get(name) is None for name in failed):
                raise HubFailure(
                    "; ".join(str(e.get("message", "error")) for e in errors),
                    response.status_code,
                    frozenset(_named_fields(errors)),
                    frozenset(_codes(errors)),
                )
        return data

    async def subscribe(
        self,
        bearer: str | None,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        *,
        on_ready: Callable[[], None] | None = None,
        open_timeout: float = 5.0,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield the `data` of each result of one subscription; returns when the hub closes,
        raises `SubscriptionRefused` when it turns the subscription away.

        `on_ready` is called once the subscribe message is sent. Reconnecting is the caller's
        business: it knows whether to back off and what to read again.
        """
        payload = {"query": query, "operationName": operation_name, "variables": variables or {}}
        async with connect(
            websocket_url(self.hub_url),
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
                json.dumps({"id": operation, "type": "subscribe", "payload": payload})
            )
            if on_ready is not None:
                on_ready()
            async for raw in socket:
                message = printable(json.loads(raw))
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


def hub_url_option(text: str) -> str:
    """An argparse type for `--hub-url` / RAPPORT_HUB_URL: an http(s) address with a host, its
    trailing slash dropped. A mistyped one ("localhost:8000", "htp://…") is a usage error at
    start, not a page that fails on every request or a desktop that retries for ever."""
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a hub address such as http://127.0.0.1:8000"
        )
    return text.strip().rstrip("/")


def websocket_url(hub_url: str) -> str:
    scheme, _, rest = hub_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest.rstrip('/')}/graphql"


def describe(exc: httpx.HTTPError, url: str) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"No answer from {url} in time."
    if isinstance(exc, httpx.ConnectError):
        return f"Cannot connect to {url}: is the hub running?"
    return f"Cannot reach {url}: {exc.__class__.__name__}."


def _messages(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message", "error")) for e in errors) or "subscription refused"


def _codes(errors: list[Any]) -> list[str]:
    """The codes the hub's typed errors carry (`extensions.code`)."""
    codes = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if isinstance(code, str):
            codes.append(code)
    return codes


def _named_fields(errors: list[Any]) -> list[str]:
    """The input fields that the hub's typed errors name (`extensions.field`), dotted."""
    named = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        field = extensions.get("field") if isinstance(extensions, dict) else None
        if isinstance(field, list):
            named.append(".".join(str(part) for part in field))
    return named
