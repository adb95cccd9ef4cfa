"""A document too long to keep (validation_cache.CACHED_CHARS, 65,536) runs like any other but
stays in none of the per-process caches: not parsed, validated, counted, prepared or planned
for the next request. One string literal is one token, so a web key (public in every browser)
could otherwise park a thousand documents of megabytes each in a hub's memory: 300 documents
of 1 MB took a hub from 158 to 780 MB of RSS; kept out, the same 300 level off near 230 MB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from strawberry.extensions.parser_cache import _get_parse_cache

from hub.api import execution, limits, validation_cache
from hub.web.view import RapportGraphQL
from tests.hub.inprocess import serving_store


@pytest.fixture
async def app(
    hub_database: tuple[str, dict[str, str]],
) -> AsyncIterator[tuple[httpx.AsyncClient, RapportGraphQL, str]]:
    async with serving_store(hub_database) as (client, view, keys):
        yield client, view, keys["web"]


def _kept(view: RapportGraphQL, marker: str) -> list[str]:
    """Which caches hold a document with `marker` in its text."""
    schema: Any = view.schema
    places = {
        "validated": [e[0].loc.source.body for e in validation_cache._VALIDATED.values()],
        "counted": [key[1] or "" for key in limits._COUNTED],
        "prepared": [key[0] for key in schema.prepared._known],
        "planned": [
            nodes[0].loc.source.body for nodes, _ in execution._SHARED_PLANS.values() if nodes
        ],
    }
    return [name for name, texts in places.items() if any(marker in t for t in texts)]


def _parsed() -> int:
    """How many documents strawberry's parse cache (shared by every ParserCache of the same
    size, as the schema's) holds."""
    return int(_get_parse_cache(1000).cache_info().currsize)


@pytest.mark.parametrize("size", [100, 70_000])  # the bound is 65,536 characters
async def test_only_documents_of_a_sensible_length_are_kept(
    app: tuple[httpx.AsyncClient, RapportGraphQL, str], size: int
) -> None:
    client, view, key = app
    marker = f"m{size}"
    filler = "x" * size  # the document is longer than `size`
    query = '{ products(category: "%s%s", first: 2) { sku name } }' % (marker, filler)
    headers = {"Authorization": f"Bearer {key}"}
    parsed = _parsed()
    answers = [
        (await client.post("/graphql", json={"query": query}, headers=headers)).json()
        for _ in range(2)
    ]
    assert answers[0] == answers[1] and "products" in answers[0]["data"], answers[0]
    kept = _kept(view, marker)
    if len(query) <= 65_536:
        assert {"validated", "counted", "prepared", "planned"} <= set(kept), kept
        assert _parsed() == parsed + 1
    else:
        assert kept == [], kept
        assert _parsed() == parsed
