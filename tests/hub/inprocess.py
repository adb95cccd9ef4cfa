"""The hub's ASGI app in the test's own process: requests go straight in (httpx's ASGI
transport), so a test can watch or swap the code a request runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.routing import Route

from hub.app import create_app
from hub.settings import Settings
from hub.web.view import RapportGraphQL


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, RapportGraphQL]]:
    """A client of a started app, and the app's GraphQL view."""
    app = create_app(settings)
    view = next(
        route.endpoint.app
        for route in app.routes
        if isinstance(route, Route) and route.path == "/graphql"
    )
    assert isinstance(view, RapportGraphQL)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            yield client, view


@asynccontextmanager
async def serving_store(
    hub_database: tuple[str, dict[str, str]],
) -> AsyncIterator[tuple[httpx.AsyncClient, RapportGraphQL, dict[str, str]]]:
    """`serving` on the run's store, no rate limits, no training at start; and its keys."""
    url, keys = hub_database
    settings = Settings(database_url=url, retrain_on_start=False, rate_limits={})
    async with serving(settings) as (client, view):
        yield client, view, keys
