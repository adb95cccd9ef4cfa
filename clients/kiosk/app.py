"""`rapport-kiosk`: the in-store kiosk, a Starlette backend-for-frontend in front of the hub."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from clients.kiosk import (
    banner,
    catalogue,
    gifts,
    handoff,
    ledger,
    live,
    mailing,
    personal,
    visit,
)
from clients.kiosk.config import KioskConfig, parse_config
from clients.kiosk.hub_client import HubClient
from clients.kiosk.pages import KioskState, templates
from clients.kiosk.security import NOT_FOUND_PAGES, NoNulInAddress, SecurityHeaders

_HERE = Path(__file__).parent


async def healthz(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def create_app(config: KioskConfig, hub: HubClient | None = None) -> Starlette:
    hub = hub or HubClient(config.hub_url, config.key)
    state = KioskState(config=config, hub=hub, templates=templates(_HERE / "templates"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await hub.aclose()

    routes = [
        Route("/healthz", healthz),
        *visit.routes,
        *catalogue.routes,
        *personal.routes,
        *banner.routes,
        *ledger.routes,
        *gifts.routes,
        *handoff.routes,
        *mailing.routes,
        *live.routes,
        Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders), Middleware(NoNulInAddress)],
        exception_handlers=NOT_FOUND_PAGES,
    )
    app.state.kiosk = state
    return app


def main(argv: Sequence[str] | None = None) -> None:
    config = parse_config(argv)
    # Short graceful-shutdown timeout: open event streams would otherwise hold a stop for ever.
    uvicorn.run(
        create_app(config),
        host=config.host,
        port=config.port,
        log_level="info",
        timeout_graceful_shutdown=3,
    )


if __name__ == "__main__":
    main()
