"""The HTTP gate in front of /graphql: who is calling, how often, and whether the body (or a
GET's query string) is a GraphQL request at all — all before any GraphQL work."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import jsontext
from hub.actors import Principal
from hub.api.context import Context, Hub
from hub.api.errors import error_response, unavailable_response
from hub.api.input_gate import (
    PARSED_REQUEST,
    BadInput,
    check_get_request,
    check_request,
    too_large,
)
from hub.api.persisted import NOT_FOUND, PersistedQueries, PersistedQueryNotFound
from hub.auth.service import bearer_from
from hub.db import unavailable
from hub.web.body import coding_of, read_body


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per key or token, per hub process: `rate` requests a second with bursts
    of two seconds' worth (RAPPORT_RATE_LIMITS, per channel)."""

    def __init__(self, rates: dict[str, float]) -> None:
        self._rates = rates
        self._buckets: dict[str, _Bucket] = {}

    def wait_for(self, principal: Principal) -> float:
        """0 when the call may go ahead (and is counted); else the seconds until it may."""
        rate = self._rates.get(principal.channel.value)
        if not rate or rate <= 0:
            return 0.0
        now = time.monotonic()
        burst = 2 * rate
        who = _identity(principal)
        bucket = self._buckets.get(who)
        if bucket is None:
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            bucket = self._buckets[who] = _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate


def _identity(principal: Principal) -> str:
    if principal.token_id is not None:
        return f"agent-token:{principal.token_id}"
    if principal.profile_id is not None:
        return f"self:{principal.profile_id}"
    return f"key:{principal.key_id}"


def limiter_of(hub: Hub) -> RateLimiter:
    """The process's one rate limiter, shared by /graphql and the routes beside it."""
    limiter = hub.state.get("rate_limiter")
    if limiter is None:
        limiter = hub.state["rate_limiter"] = RateLimiter(hub.settings.rate_limits)
    return limiter


async def admit(hub: Hub, authorization: str | None) -> Principal | Response:
    """The caller named by an Authorization header, counted against its key's rate — or the
    refusal to send: 401 without a valid key or token, 503 while the database is away, 429
    over the rate. /graphql's gate, the export file and /metrics all admit callers here."""
    bearer = bearer_from(authorization)
    if not bearer:
        return _unauthenticated("Authorization: Bearer <key> is required.")
    try:
        principal = await hub.authenticator.authenticate_with(hub.db.sessions, bearer)
    except Exception as error:  # the database away: 503 and Retry-After, not a 500
        if not unavailable(error):
            raise
        return unavailable_response()
    if principal is None:
        return _unauthenticated("A valid key or token is required.")
    wait = limiter_of(hub).wait_for(principal)
    if wait > 0:
        return error_response(
            429,
            "RATE_LIMITED",
            f"Too many requests for this key; try again in {wait:.1f} s.",
            {"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return principal


def _unauthenticated(message: str) -> Response:
    return error_response(
        401, "UNAUTHENTICATED", message, {"WWW-Authenticate": 'Bearer realm="rapport"'}
    )


class Authenticate:
    """Refuse HTTP calls to /graphql without a valid key or token, over their key's rate, or
    with a body that is not a GraphQL request, before any work is done."""

    def __init__(self, app: ASGIApp, hub: Hub) -> None:
        self.app = app
        self.hub = hub
        self.persisted = PersistedQueries()

    def _named_by_hash(self, request: dict[str, Any]) -> bool:
        """Fill in a persisted query's document from its hash (or keep the document sent with
        one); True when the request did not hold it."""
        query = self.persisted.resolve(request.get("query"), request.get("extensions"))
        if query is request.get("query"):
            return False
        request["query"] = query
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        settings = self.hub.settings
        declared = connection.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.max_body_bytes:
            await _refuse(scope, receive, send, too_large(settings.max_body_bytes))
            return
        answer = await admit(self.hub, connection.headers.get("authorization"))
        if not isinstance(answer, Principal):
            await answer(scope, receive, send)
            return
        principal = answer
        try:
            coding = coding_of(connection.headers.get("content-encoding"))
            body = await read_body(receive, settings.max_body_bytes, coding)
        except BadInput as error:
            await _refuse(scope, receive, send, error)
            return
        if body is None:
            return  # the client went away
        if coding is not None:  # what follows sees the body as decoded here
            scope["headers"] = [
                *((k, v) for k, v in scope["headers"] if k not in _ENCODED_BODY),
                (b"content-length", str(len(body)).encode()),
            ]
        try:
            if scope["method"] == "POST":
                if "json" not in connection.headers.get("content-type", "").lower():
                    raise BadInput(
                        415,
                        "UNSUPPORTED_MEDIA_TYPE",
                        "Send the request as JSON (Content-Type: application/json).",
                    )
                request = check_request(body, settings.max_body_bytes, settings.max_json_depth)
                if self._named_by_hash(request):
                    body = jsontext.dumps(request).encode()
                # The view takes the request from here, not parsing the body again.
                scope[PARSED_REQUEST] = request
            elif scope["method"] == "GET":
                request = check_get_request(
                    scope["query_string"], settings.max_body_bytes, settings.max_json_depth
                )
                if self._named_by_hash(request):
                    scope["query_string"] = _query_string(request)
        except BadInput as error:
            await _refuse(scope, receive, send, error)
            return
        except PersistedQueryNotFound:
            # Apollo's PersistedQueryLink sends the document with its hash on this answer.
            await error_response(200, "PERSISTED_QUERY_NOT_FOUND", NOT_FOUND)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        scope["rapport.principal"] = principal
        try:
            await self.app(scope, replay, send)
        finally:
            ctx: Context | None = scope.get("rapport.context")
            if ctx is not None:
                await ctx.close()


_ENCODED_BODY = (b"content-encoding", b"content-length")


def _query_string(request: dict[str, Any]) -> bytes:
    params = {
        name: value if isinstance(value, str) else jsontext.dumps(value)
        for name, value in request.items()
    }
    return urlencode(params).encode()


async def _refuse(scope: Scope, receive: Receive, send: Send, error: BadInput) -> None:
    response = error_response(error.status, error.code, error.message, error.headers)
    await response(scope, receive, send)


class Places:
    """Sockets counted per key in this hub process, up to `limit` each (0: no cap). A socket
    holds at most one place, named in its scope under `slot`, and gives it back once."""

    def __init__(self, limit: int, slot: str) -> None:
        self.limit = limit
        self.slot = slot
        self._held: dict[object, int] = {}

    def take(self, scope: Scope, key: object) -> bool:
        """A place for this socket under `key`, or False when `key` holds `limit` already."""
        if self.limit <= 0 or self.slot in scope:
            return True
        count = self._held.get(key, 0)
        if count >= self.limit:
            return False
        self._held[key] = count + 1
        scope[self.slot] = key
        return True

    def release(self, scope: Scope) -> None:
        """The socket's place is free (once)."""
        key = scope.pop(self.slot, None)
        if key is None:
            return
        left = self._held.get(key, 0) - 1
        if left > 0:
            self._held[key] = left
        else:
            self._held.pop(key, None)


class WaitingSockets(Places):
    """WebSockets that have not yet signed in (`connection_init` not yet accepted), counted
    per client address in this hub process. A socket may wait up to RAPPORT_WS_INIT_SECONDS;
    a real client signs in within milliseconds, so more than RAPPORT_WS_MAX_WAITING of them
    at once from one address is someone holding sockets open for nothing. Signed-in sockets
    are not capped here: an office's agents or a store's kiosks share one address. Released
    when the socket signed in, was refused or went away."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit, "rapport.waiting")


class SignedInSockets(Places):
    """Signed-in WebSockets per key or token in this hub process, up to `limit` each (0: no
    cap). A socket takes its place when its `connection_init` is accepted (`view.on_ws_connect`,
    through the scope's `rapport.take_place`) and gives it back when it closes (`SocketGate`).
    Credentials are counted by their SHA-256, so no secret is kept here."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit, "rapport.place")

    def take(self, scope: Scope, key: object) -> bool:
        return super().take(scope, hashlib.sha256(str(key).encode()).digest())


class SocketGate:
    """In front of the WebSocket endpoint: a new socket from an address with too many waiting
    ones is refused before the handshake completes, with 429 and a typed error where the
    server can send one (uvicorn can), else a close with 1013 (try again later). Once signed
    in, a socket holds one of its credential's places (`SignedInSockets`) until it closes."""

    def __init__(
        self, app: ASGIApp, waiting: WaitingSockets, signed_in: SignedInSockets | None = None
    ) -> None:
        self.app = app
        self.waiting = waiting
        self.signed_in = signed_in or SignedInSockets(0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = str(client[0]) if client else "unknown"
        if not self.waiting.take(scope, address):
            await _refuse_socket(scope, receive, send)
            return
        scope["rapport.signed_in"] = lambda: self.waiting.release(scope)  # view.on_ws_connect
        scope["rapport.take_place"] = lambda bearer: self.signed_in.take(scope, bearer)
        try:
            await self.app(scope, receive, send)
        finally:
            self.waiting.release(scope)
            self.signed_in.release(scope)


async def _refuse_socket(scope: Scope, receive: Receive, send: Send) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1013})
        return
    refusal = error_response(
        429,
        "RATE_LIMITED",
        "Too many sockets from this address are waiting to sign in.",
        {"Retry-After": "1"},
    )
    start = {"status": refusal.status_code, "headers": refusal.raw_headers}
    await send({"type": "websocket.http.response.start", **start})
    await send({"type": "websocket.http.response.body", "body": refusal.body})
