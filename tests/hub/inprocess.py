"""The hub's ASGI app in the test's own process: requests go straight in (httpx's ASGI
transport), so a test can watch or swap the code a request runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

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


async def checked_out(pool: Any, known: int = 0, seconds: float = 1.0) -> int:
    """Connections of `pool` still checked out once the hub's own background work (partition
    upkeep, leases) has had up to `seconds` to give its back (to `known` or fewer)."""
    for _ in range(int(seconds / 0.02)):
        if pool.checkedout() <= known:
            break
        await asyncio.sleep(0.02)
    return int(pool.checkedout())
