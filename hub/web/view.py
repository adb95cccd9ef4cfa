"""The GraphQL endpoint by the book: GraphQL over HTTP (media types, status codes) and
graphql-transport-ws (text frames, server pings, the same input gate as HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncGenerator, Mapping
from datetime import timedelta
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    PongMessage,
    SubscribeMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from hub.api.context import Context, Hub
from hub.api.errors import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE,
    UNAVAILABLE_MESSAGE,
    error_response,
    is_unavailable,
    operation_refusal,
)
from hub.api.input_gate import (
    MAX_SUBSCRIPTION_CHARACTERS,
    PARSED_REQUEST,
    BadInput,
    check_message,
    check_socket_message,
    subscription_size,
)
from hub.auth.service import bearer_from
from hub.db import unavailable
from hub.tasks import stop_tasks
from hub.web.schema import build_schema, introspection_allowed

log = logging.getLogger("hub.api")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")
_HTTP_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header: application/graphql-response+json when
    the client prefers (or only takes) it, application/json for legacy clients and for none
    or `*/*`; None when the client takes neither."""
    if not accept or not accept.strip():
        return JSON
    offers: list[tuple[float, int, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                with contextlib.suppress(ValueError):
                    quality = float(value)
        media = media.lower()
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            offers.append((quality, 1, -position, GRAPHQL_RESPONSE))
        elif media == JSON:
            offers.append((quality, 0, -position, JSON))
        elif media in ("application/*", "*/*"):
            offers.append((quality, -1, -position, JSON))
    # The highest quality wins; at equal quality graphql-response+json, then what was written
    # first.
    return max(offers)[3] if offers else None


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


class TextWebSocket(ASGIWebSocketAdapter):
    """graphql-transport-ws messages as text frames (the protocol's clients refuse binary
    ones), and every incoming message through the same gate as an HTTP body, then held to the
    protocol's message shapes (a wrong one closes the socket with 4400, as graphql-ws does)."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        view: RapportGraphQL = self.view  # type: ignore[assignment]
        settings = view.hub.settings
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                raw = message.get("text")
                if raw is None:
                    await self.close(4400, "WebSocket message type must be text")
                    return
                try:
                    # Checked strictly; parsed as over HTTP (integers stay integers).
                    decoded = check_message(
                        raw.encode(), settings.max_body_bytes, settings.max_json_depth
                    )
                    check_socket_message(decoded)
                except BadInput as error:
                    await self.close(error.ws_code, error.message[:120])
                    return
                yield decoded
        except WebSocketDisconnect:
            return

    async def send_json(self, message: Mapping[str, object]) -> None:
        view: RapportGraphQL = self.view  # type: ignore[assignment]
        if view.hide_suggestions:
            message = _strip_payload_suggestions(message)
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except (WebSocketDisconnect, RuntimeError) as error:
            raise WebSocketDisconnected from error


def _strip_payload_suggestions(message: Mapping[str, object]) -> Mapping[str, object]:
    payload = message.get("payload")
    errors = payload if isinstance(payload, list) else None
    if isinstance(payload, dict) and isinstance(payload.get("errors"), list):
        errors = payload["errors"]
    for error in errors or ():
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            error["message"] = without_suggestions(error["message"])
    return message


class TooManySockets(Exception):
    """The socket's key or token holds RAPPORT_WS_MAX_SOCKETS_PER_KEY signed-in sockets on
    this hub process already (hub/web/gate.py, `SignedInSockets`)."""


class PingingHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Sends the protocol's `ping` every RAPPORT_WS_PING_SECONDS once the connection is
    acknowledged, and closes a socket whose client stopped answering with `pong`. A client
    that leaves while a result is on its way is not an error to log."""

    _pinger: asyncio.Task[None] | None = None
    _last_pong: float = 0.0

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except TooManySockets:
            # graphql-ws's 4429, as for a second `connection_init`: its client does not retry.
            limit = self.context.settings.ws_max_sockets_per_key
            words = f"Too many requests: this key or token holds {limit:,} sockets already"
            await self.websocket.close(code=4429, reason=words[:120])
            return
        interval = self.context.settings.ws_ping_seconds
        if self.connection_acknowledged and interval > 0 and self._pinger is None:
            self._last_pong = asyncio.get_running_loop().time()
            self._pinger = asyncio.create_task(self._ping(interval))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        limit = self.max_subscriptions_per_connection
        if (
            self.connection_acknowledged
            and limit is not None
            and len(self.operations) >= limit
            and message["id"] not in self.operations  # a reused id is strawberry's 4409
        ):
            # Strawberry's own refusal carries no code: typed, like every other refusal.
            words = f"At most {limit} operations run at once on one socket."
            await self._refuse(message["id"], words, "TOO_MANY")
            return
        payload = message["payload"]
        if (
            self.connection_acknowledged
            and _is_subscription(payload["query"], payload.get("operationName"))
            and subscription_size(payload) > MAX_SUBSCRIPTION_CHARACTERS
        ):
            # Kept while it runs: a hundred of these a socket would hold megabytes each.
            words = (
                "A subscription's document and variables are at most "
                f"{MAX_SUBSCRIPTION_CHARACTERS:,} characters."
            )
            await self._refuse(message["id"], words, "TOO_LARGE")
            return
        await super().handle_subscribe(message)

    async def _refuse(self, operation_id: str, words: str, code: str) -> None:
        """The operation's `error` message, typed: the socket stays open."""
        error = GraphQLError(words, extensions={"code": code})
        await self.send_message(
            ErrorMessage(id=operation_id, type="error", payload=[error.formatted])
        )

    async def handle_pong(self, message: PongMessage) -> None:
        self._last_pong = asyncio.get_running_loop().time()

    async def _ping(self, interval: float) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(WebSocketDisconnected, asyncio.CancelledError):
            while True:
                await asyncio.sleep(interval)
                if loop.time() - self._last_pong > 3 * interval:
                    await self.websocket.close(4408, "No pong: the client stopped answering")
                    return
                await self.send_message({"type": "ping"})

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, WebSocketDisconnected):
            return  # the client left while its result was on the way: nobody to tell
        await super().handle_task_exception(error)

    async def shutdown(self) -> None:
        await stop_tasks(self._pinger)
        await super().shutdown()


class RapportGraphQL(GraphQL[Context, None]):
    websocket_adapter_class = TextWebSocket  # type: ignore[assignment]
    graphql_transport_ws_handler_class = PingingHandler

    def __init__(self, hub: Hub) -> None:
        super().__init__(
            build_schema(hub.settings),
            graphql_ide=None,  # strawberry's IDE loads from a CDN: GraphiQL is served at /graphiql
            # Queries (not mutations) may come as GET, as GraphQL over HTTP allows: urql sends
            # them so by default. Answers are never stored (`create_response`), and the access
            # log leaves out query strings (`hub.app`), which may carry an email or phone.
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=hub.settings.ws_init_seconds),
        )
        self.hub = hub
        self.hide_suggestions = not introspection_allowed(hub.settings)

    async def get_context(self, request: Any, response: Any) -> Context:
        ctx = Context(hub=self.hub, request=request, response=response)
        ctx.principal = request.scope.get("rapport.principal")
        request.scope["rapport.context"] = ctx
        return ctx

    async def on_ws_connect(self, context: Context) -> Any:
        if context.request is not None:  # signed in or refused: no longer waiting (gate.py)
            signed_in = context.request.scope.get("rapport.signed_in")
            if signed_in is not None:
                signed_in()
        params = context.connection_params or {}
        bearer = bearer_from(str(params.get("authorization") or params.get("Authorization") or ""))
        if bearer is None and context.request is not None:
            bearer = bearer_from(context.request.headers.get("authorization"))
        principal = None
        if bearer:
            try:
                authenticator = self.hub.authenticator
                principal = await authenticator.authenticate_with(self.hub.db.sessions, bearer)
            except Exception as error:
                if not unavailable(error):
                    raise
                raise ConnectionRejectionError(
                    {"message": UNAVAILABLE_MESSAGE, "code": UNAVAILABLE, "retryable": True}
                ) from error
        if principal is None:
            raise ConnectionRejectionError({"message": "A valid key or token is required."})
        take_place = context.request.scope.get("rapport.take_place") if context.request else None
        if take_place is not None and not take_place(bearer):
            raise TooManySockets  # closed with 4429 by PingingHandler.handle_connection_init
        context.principal = principal
        context.bearer = bearer
        return {"channel": principal.channel.value}

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def run(  # type: ignore[override]
        self, request: Any, context: Any = UNSET, root_value: Any = UNSET
    ) -> Any:
        try:
            if context is UNSET and root_value is UNSET and self._plain_post(request):
                return await self._post(request)
            return await super().run(request, context, root_value)
        except HTTPException as error:  # typed like every other refusal, not plain text
            cause = error.__cause__
            if isinstance(cause, InvalidOperationTypeError) and request.method == "GET":
                # GraphQL over HTTP: a mutation sent as GET is 405, and it runs only as POST.
                return error_response(
                    405, "METHOD_NOT_ALLOWED", "Send mutations with POST.", {"Allow": "POST"}
                )
            code = _HTTP_CODES.get(error.status_code, "BAD_REQUEST")
            return error_response(error.status_code, code, _reason(error))

    def _plain_post(self, request: Any) -> bool:
        """A POST answered with one JSON result: not a stream (text/event-stream,
        multipart/mixed), not incremental delivery."""
        return (
            isinstance(request, Request)
            and request.scope["type"] == "http"
            and request.method == "POST"
            and not self.schema.config.enable_experimental_incremental_execution
            and self._get_stream_transport_from_headers(request.headers) is None
        )

    async def _post(self, request: Request) -> Response:
        """What strawberry's `run` does for such a POST, in the same order, without its checks
        for what cannot happen here (a WebSocket, the IDE, a GET, a streamed result) — and so
        without asking whether the result is a subscription stream, a runtime Protocol check
        that costs ~3 % of a profile read."""
        adapter = self.request_adapter_class(request)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        request_data = await self._json_body(adapter, request.scope.get(PARSED_REQUEST))
        result = await self.execute_operation(
            request=request,
            request_adapter=adapter,
            request_data=request_data,
            context=context,
            root_value=None,  # GraphQL[Context, None]: no root value
            sub_response=sub_response,
        )
        if not isinstance(result, ExecutionResult):  # a batch (off), a stream (not asked for)
            raise HTTPException(400, "This request cannot be answered with one result.")
        response_data = await self.process_result(request=request, result=result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    async def _json_body(self, request: Any, parsed: Any = None) -> Any:
        """Strawberry's `parse_http_body` for the short way's POST (no stream asked for), the
        usual JSON body read without its content-type parser; `parsed`, the body as the gate
        parsed and checked it (hub/web/gate.py), is taken instead of parsing it again (the
        stdlib's parse of a 1,000-event `track` cost ~3 % of the request)."""
        content_type = request.content_type or ""
        if content_type.partition(";")[0].strip() != JSON:
            return await self.parse_http_body(request)
        if isinstance(parsed, dict):
            data = parsed
        else:
            try:
                data = self.parse_json(await request.get_body())
            except json.JSONDecodeError as error:
                raise HTTPException(400, "Unable to parse request body as JSON") from error
        if not isinstance(data, dict):
            return await self.parse_http_body(request)  # a batch: strawberry refuses it
        query, variables, extensions = (data.get(k) for k in ("query", "variables", "extensions"))
        if not isinstance(query, str | None):
            raise HTTPException(
                400, "The GraphQL operation's `query` must be a string or null, if provided."
            )
        if not isinstance(variables, dict | None):
            raise HTTPException(
                400, "The GraphQL operation's `variables` must be an object or null, if provided."
            )
        if not isinstance(extensions, dict | None):
            raise HTTPException(
                400,
                "The GraphQL operation's `extensions` must be an object or null, if provided.",
            )
        return GraphQLRequestData(
            query=query,
            variables=variables,
            operation_name=data.get("operationName"),
            extensions=extensions,
            protocol="http",  # `_plain_post`: no stream transport asked for
        )

    async def execute_operation(  # type: ignore[override]
        self, request: Request, request_adapter: Any, request_data: Any, **kwargs: Any
    ) -> Any:
        # Subscriptions run over WebSocket (graphql-transport-ws); over HTTP they get a 400.
        document = getattr(request_data, "query", None) or ""
        if isinstance(document, str) and _is_subscription(
            document, getattr(request_data, "operation_name", None)
        ):
            raise HTTPException(
                400, "Subscriptions run over WebSocket (graphql-transport-ws) at /graphql."
            )
        return await super().execute_operation(
            request=request, request_adapter=request_adapter, request_data=request_data, **kwargs
        )

    async def get_sub_response(self, request: Any) -> Response:
        sub_response = await super().get_sub_response(request)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None:
            raise HTTPException(
                406, f"This endpoint answers {GRAPHQL_RESPONSE} or {JSON}; see the Accept header."
            )
        sub_response.media_type = media_type
        request.scope["rapport.sub_response"] = sub_response
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = process_result(result)
        if self.hide_suggestions:
            for error in processed.get("errors") or []:
                error["message"] = without_suggestions(error["message"])  # type: ignore[index]
        sub_response = request.scope.get("rapport.sub_response")
        if sub_response is not None and any(map(is_unavailable, result.errors or ())):
            # The database was away (a restart, a failover): retry, as the 503 says.
            sub_response.status_code = 503
            sub_response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if _request_error(result):
            # The document did not parse or validate, or its variables did not coerce: no
            # execution started, so there is no `data` entry; 400 for graphql-response+json.
            processed.pop("data", None)
            if sub_response is not None and sub_response.media_type == GRAPHQL_RESPONSE:
                sub_response.status_code = 400
        return processed

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        media_type = sub_response.media_type or JSON
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
        response.headers["cache-control"] = "no-store"  # a profile is no one's to keep
        return response


def _reason(error: HTTPException) -> str:
    """The refusal's reason; for a document of several operations and no `operationName`,
    what to send (strawberry's "Can't get GraphQL operation type" does not say)."""
    cause = error.__cause__
    if isinstance(cause, CannotGetOperationTypeError):
        return operation_refusal(cause)
    return error.reason


def _request_error(result: ExecutionResult) -> bool:
    if isinstance(result, PreExecutionError):
        return True
    errors: list[GraphQLError] = result.errors or []
    return result.data is None and bool(errors) and all(not error.path for error in errors)


def _is_subscription(document: str, operation_name: str | None) -> bool:
    if "subscription" not in document:
        return False
    try:
        operation = get_operation_ast(parse(document), operation_name)
    except GraphQLSyntaxError:
        return False
    return operation is not None and operation.operation.value == OperationType.SUBSCRIPTION.value
