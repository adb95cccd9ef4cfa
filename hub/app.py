"""The Starlette application: /graphql (HTTP + WebSocket), /healthz, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from hub.api.context import Context, Hub
from hub.api.errors import error_response
from hub.api.schema import build_schema
from hub.auth.service import Authenticator, bearer_from
from hub.db import Database
from hub.preferences.learning import Weights
from hub.privacy import download, outbox
from hub.realtime.broker import make_broker
from hub.recs import training
from hub.settings import Settings, get_settings

log = logging.getLogger("hub")


class RapportGraphQL(GraphQL[Context, None]):
    def __init__(self, hub: Hub) -> None:
        super().__init__(
            build_schema(hub.settings.max_query_depth),
            graphql_ide=None,  # strawberry's IDE loads from a CDN: GraphiQL is served at /graphiql
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            keep_alive=True,
            keep_alive_interval=15,
        )
        self.hub = hub

    async def get_context(self, request: Any, response: Any) -> Context:
        ctx = Context(hub=self.hub, request=request, response=response)
        ctx.principal = request.scope.get("rapport.principal")
        request.scope["rapport.context"] = ctx
        return ctx

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params or {}
        bearer = bearer_from(str(params.get("authorization") or params.get("Authorization") or ""))
        if bearer is None and context.request is not None:
            bearer = bearer_from(context.request.headers.get("authorization"))
        principal = None
        if bearer:
            async with self.hub.db.sessions() as session:
                principal = await self.hub.authenticator.authenticate(session, bearer)
        if principal is None:
            raise ConnectionRejectionError({"message": "A valid key or token is required."})
        context.principal = principal
        context.bearer = bearer
        return {"channel": principal.channel.value}

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


class Authenticate:
    """Refuse HTTP calls to /graphql without a valid key or token before any work is done."""

    def __init__(self, app: ASGIApp, hub: Hub) -> None:
        self.app = app
        self.hub = hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        limit = self.hub.settings.max_body_bytes
        declared = connection.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, 413, "TOO_LARGE", _too_large(limit))
            return
        bearer = bearer_from(connection.headers.get("authorization"))
        principal = None
        if bearer:
            async with self.hub.db.sessions() as session:
                principal = await self.hub.authenticator.authenticate(session, bearer)
        if principal is None:
            message = (
                "A valid key or token is required."
                if bearer
                else "Authorization: Bearer <key> is required."
            )
            response = error_response(
                401, "UNAUTHENTICATED", message, {"WWW-Authenticate": 'Bearer realm="rapport"'}
            )
            await response(scope, receive, send)
            return
        # The body is read once here: refused if too big or carrying NUL characters (which
        # PostgreSQL cannot store in text), then replayed to GraphQL.
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            incoming = await receive()
            if incoming["type"] != "http.request":
                return  # the client went away
            chunk = incoming.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(scope, receive, send, 413, "TOO_LARGE", _too_large(limit))
                return
            chunks.append(chunk)
            more = incoming.get("more_body", False)
        body = b"".join(chunks)
        if b"\x00" in body or _NUL_ESCAPE.search(body):
            await _refuse(
                scope, receive, send, 400, "INVALID", "Text may not contain NUL characters."
            )
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


# A JSON \u0000 escape (not an escaped backslash followed by "u0000").
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\[uU]0000")


def _too_large(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
) -> None:
    await error_response(status, code, message)(scope, receive, send)


async def _train_if_missing(db: Database) -> None:
    async with db.sessions() as session:
        if await training.newest_model_id(session) is not None:
            return
    await training.retrain(db)


GRAPHIQL_DIR = Path(__file__).parent / "static" / "graphiql"
# GraphiQL's editors set inline styles; everything else comes from this hub alone.
_GRAPHIQL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


async def graphiql_page(request: Request) -> Response:
    """An IDE for developers: the page holds no key; each call carries the one typed in."""
    return FileResponse(
        GRAPHIQL_DIR / "index.html",
        headers={
            "Content-Security-Policy": _GRAPHIQL_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    db = Database(settings.database_url)
    broker = make_broker(settings.database_url)
    hub = Hub(
        settings=settings,
        db=db,
        broker=broker,
        authenticator=Authenticator(settings.auth_cache_seconds),
        weights=Weights.from_settings(settings),
    )
    graphql = RapportGraphQL(hub)
    guarded = Authenticate(graphql, hub)

    async def healthz(request: Request) -> Response:
        try:
            async with db.sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception:  # the database is the one thing a health check must report
            log.exception("health check failed")
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "database": db.dialect})

    async def metrics(request: Request) -> Response:
        lines = [
            "# TYPE rapport_uptime_seconds gauge",
            f"rapport_uptime_seconds {time.time() - started:.0f}",
            "# TYPE rapport_subscribers gauge",
            f"rapport_subscribers {broker.subscriber_count}",
        ]
        return PlainTextResponse("\n".join(lines) + "\n")

    started = time.time()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await broker.start()
        tasks = [
            asyncio.create_task(outbox.run_sender(db, outbox.LogSender())),
            asyncio.create_task(training.run_schedule(db, settings.retrain_every_hours)),
        ]
        if settings.retrain_on_start:
            tasks.append(asyncio.create_task(_train_if_missing(db)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await broker.stop()
            await db.dispose()

    graphiql_routes = []
    if settings.graphiql if settings.graphiql is not None else settings.env == "dev":
        graphiql_routes = [
            Route("/graphiql", graphiql_page, methods=["GET"]),
            Mount("/static/graphiql", StaticFiles(directory=GRAPHIQL_DIR), name="graphiql"),
        ]

    app = Starlette(
        routes=[
            *graphiql_routes,
            # Starlette hands ASGI apps the raw scope: the gate runs before any GraphQL work.
            Route("/graphql", guarded, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/profiles/{profile_id}/export.json", download.export_file, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    return app
