"""The Starlette application: /graphql (HTTP + WebSocket), /healthz, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from threadpoolctl import threadpool_limits

from hub import memory
from hub.actors import Principal, Scope
from hub.api.context import Hub
from hub.api.errors import error_response
from hub.assembly import assemble
from hub.auth.service import Authenticator
from hub.broker import make_broker
from hub.db import Database
from hub.events import partitions
from hub.privacy import outbox
from hub.recs import training
from hub.replicas import HEADER as CONSISTENCY_HEADER
from hub.replicas import ReadReplicas
from hub.settings import Settings, get_settings
from hub.tasks import stop_tasks
from hub.web import download
from hub.web.access import DomainAccess
from hub.web.gate import Authenticate, SignedInSockets, SocketGate, WaitingSockets, admit
from hub.web.view import RapportGraphQL
from hub.weights import Weights

log = logging.getLogger("hub")


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


class NoQueryStrings(logging.Filter):
    """uvicorn's access line without the query string: a GET query's variables (an email, a
    phone number to look a shopper up by) must not land in a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):  # the request line's path (HTTP and WebSocket)
            record.args = tuple(
                f"{arg.partition('?')[0]}?…"
                if isinstance(arg, str) and arg[:1] == "/" and "?" in arg
                else arg
                for arg in record.args
            )
        return True


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, NoQueryStrings) for f in access_log.filters):
        access_log.addFilter(NoQueryStrings())
    assemble()  # every domain's merge / split / erase / export hooks
    # A hub serves many small requests at once: OpenBLAS's own thread per core, started for
    # every picks read's small matrix product, spun on the cores the other requests (and the
    # driver threads) need, doubling a read's CPU (docs/performance.md). One thread here; the
    # CLI's `retrain` and `seed-demo` keep every core for the big inversion.
    threadpool_limits(limits=1, user_api="blas")
    db = Database(settings.database_url)
    broker = make_broker(settings.database_url)
    replicas = ReadReplicas.from_settings(
        db, settings.read_database_urls, settings.read_max_lag_seconds, settings.read_wait_seconds
    )
    hub = Hub(
        settings=settings,
        db=db,
        broker=broker,
        authenticator=Authenticator(settings.auth_cache_seconds),
        weights=Weights.from_settings(settings),
        access=DomainAccess(),
        replicas=replicas,
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
        caller = await admit(hub, request.headers.get("authorization"))
        if not isinstance(caller, Principal):
            return caller
        if not caller.can(Scope.ADMIN):  # operators' figures (DESIGN.md: admin keys)
            return error_response(403, "FORBIDDEN", Scope.ADMIN.refusal)
        lines = [
            "# TYPE rapport_uptime_seconds gauge",
            f"rapport_uptime_seconds {time.time() - started:.0f}",
            "# TYPE rapport_subscribers gauge",
            f"rapport_subscribers {broker.subscriber_count}",
        ]
        if replicas is not None:
            lines += replicas.metrics()
        return PlainTextResponse("\n".join(lines) + "\n")

    started = time.time()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await broker.start()
        if replicas is not None:
            await replicas.start()
        tasks = [asyncio.create_task(training.run_schedule(db, settings.retrain_every_hours))]
        if db.dialect == "postgresql":  # event partitions for the coming months, daily
            months = settings.event_partition_months_ahead
            tasks.append(asyncio.create_task(partitions.run_schedule(db, months)))
        sender = outbox.sender_from(settings)
        if sender is not None:  # none in production until SMTP or a webhook is configured
            tasks.append(
                asyncio.create_task(
                    outbox.run_sender(db, sender, send_seconds=settings.outbox_timeout_seconds)
                )
            )
        if settings.retrain_on_start:
            tasks.append(asyncio.create_task(training.train_if_missing(db)))
        memory.for_serving()
        try:
            yield
        finally:
            await stop_tasks(*tasks)
            await broker.stop()
            if replicas is not None:
                await replicas.stop()
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
            _api_route(guarded),
            WebSocketRoute(
                "/graphql",
                SocketGate(
                    graphql,
                    WaitingSockets(settings.ws_max_waiting),
                    SignedInSockets(settings.ws_max_sockets_per_key),
                ),
            ),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/profiles/{profile_id}/export.json", download.export_file, methods=["GET"]),
        ],
        lifespan=lifespan,
        middleware=_cross_origin(settings),
        exception_handlers={HTTPException: _refused, Exception: _unexpected},
    )
    app.state.hub = hub
    return app


def _api_route(endpoint: Any) -> Route:
    """/graphql over HTTP: GET and POST. Starlette lists HEAD beside any GET, but GraphQL over
    HTTP has no HEAD (the view refused it after the key gate, while Allow said it was
    taken): refused here, as PUT is, with Allow: GET, POST."""
    route = Route("/graphql", endpoint, methods=["GET", "POST"])
    assert route.methods is not None
    route.methods.discard("HEAD")
    return route


_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
_MESSAGES = {
    404: "There is nothing here; the API is at /graphql.",
    405: "This address does not take {method}; it takes {allow}.",
}


async def _refused(request: Request, error: Exception) -> Response:
    """An address or method the hub does not serve (a PUT to /graphql, a typo in a path): the
    JSON a client reads every other refusal in, not Starlette's plain text; the Allow header
    kept."""
    assert isinstance(error, HTTPException)
    status = error.status_code
    headers = dict(error.headers or {})
    message = error.detail
    if status in _MESSAGES and error.detail == HTTPStatus(status).phrase:  # Starlette's own
        message = _MESSAGES[status].format(method=request.method, allow=headers.get("Allow", ""))
    return error_response(status, _CODES.get(status, "BAD_REQUEST"), message, headers)


async def _unexpected(request: Request, error: Exception) -> Response:
    """A fault outside GraphQL (which masks its own): the same JSON shape and an incident id to
    find it in the log by, never Starlette's plain "Internal Server Error". The traceback goes
    to the log after this line (Starlette raises the error on to the server)."""
    incident = uuid.uuid4().hex[:12]
    log.error("unexpected error %s at %s %s", incident, request.method, request.url.path)
    return error_response(500, "INTERNAL_SERVER_ERROR", f"Unexpected error (incident {incident}).")


def _cross_origin(settings: Settings) -> list[Middleware]:
    """CORS for the origins in RAPPORT_CORS_ORIGINS (none: browsers keep pages elsewhere from
    reading answers). Preflights are answered here, before the key gate: they carry no key."""
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept", CONSISTENCY_HEADER],
            expose_headers=["Retry-After", CONSISTENCY_HEADER],
            max_age=600,
        )
    ]
