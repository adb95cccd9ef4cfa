"""A POST is answered by the view's own short way (hub/web/view.py: `_post`, and
`_json_body` for a plain JSON body) exactly as strawberry's `run` and body parser answer
it: the same status, media type and body for good requests and for every malformed one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from strawberry.asgi import GraphQL

from hub.web.view import RapportGraphQL
from tests.hub.inprocess import serving_store

READ = b'{"query": "query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) { id displayName recentEvents(first: 3) { summary } } }", "variables": {"v": "14740"}}'  # noqa: E501
JSON = "application/json"
RESPONSE = "application/graphql-response+json"

# (content type, accept, body)
CASES: list[tuple[str, str, bytes]] = [
    (JSON, JSON, READ),
    ("application/json; charset=utf-8", RESPONSE, READ),
    ("application/JSON", JSON, READ),
    (JSON, "*/*", b'{"query": "{ __typename }", "variables": null, "extensions": {}}'),
    (JSON, JSON, b'{"query": "query Named { __typename }", "operationName": "Named"}'),
    (JSON, JSON, b'{"query": "query Named { __typename }", "operationName": "Other"}'),
    (JSON, RESPONSE, b'{"query": "{ nope }"}'),
    (JSON, JSON, b'{"query": "{ nope }"}'),
    (JSON, JSON, b'{"query": "query A { __typename } query B { __typename }"}'),
    (JSON, JSON, b'{"query": "fragment F on Query { __typename }"}'),
    (JSON, JSON, b'{"query": "{"}'),
    (JSON, JSON, b'{"query": 5}'),
    (JSON, JSON, b'{"query": "{ __typename }", "variables": []}'),
    (JSON, JSON, b'{"query": "{ __typename }", "extensions": "x"}'),
    (JSON, JSON, b'{"variables": {}}'),
    (JSON, JSON, b'[{"query": "{ __typename }"}]'),
    (JSON, JSON, b'"{ __typename }"'),
    (JSON, RESPONSE, b'{"query": "subscription { profileChanged(profileId: \\"x\\") { id } }"}'),
    (JSON, "text/html", b'{"query": "{ __typename }"}'),
    (JSON, "text/event-stream", b'{"query": "{ __typename }"}'),
    (JSON, "multipart/mixed", b'{"query": "{ __typename }"}'),
    (
        JSON,
        RESPONSE,
        b'{"query": "query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) '
        b'{ id } }", "variables": {"v": 5}}',
    ),
    (
        JSON,
        JSON,
        b'{"query": "mutation($e: [EventInput!]!) { track(events: $e) { accepted duplicates '
        b'} }", "variables": {"e": []}}',
    ),
]


@pytest.fixture
async def hub(
    hub_database: tuple[str, dict[str, str]],
) -> AsyncIterator[tuple[httpx.AsyncClient, RapportGraphQL, str]]:
    async with serving_store(hub_database) as (client, view, keys):
        yield client, view, keys["admin"]


async def _answer(
    client: httpx.AsyncClient, key: str, content_type: str, accept: str, body: bytes
) -> tuple[int, str, bytes]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": content_type, "Accept": accept}
    answer = await client.post("/graphql", content=body, headers=headers)
    return answer.status_code, answer.headers.get("content-type", ""), answer.content


@pytest.mark.parametrize(("content_type", "accept", "body"), CASES)
async def test_the_short_way_answers_as_strawberry_does(
    hub: tuple[httpx.AsyncClient, RapportGraphQL, str],
    monkeypatch: pytest.MonkeyPatch,
    content_type: str,
    accept: str,
    body: bytes,
) -> None:
    client, _, key = hub
    short = await _answer(client, key, content_type, accept, body)
    # Strawberry's own: its run, and its body parser. (Bodies that are not a GraphQL request
    # at all are refused by the gate before either.)
    monkeypatch.setattr(RapportGraphQL, "_plain_post", lambda self, request: False)
    theirs = await _answer(client, key, content_type, accept, body)
    assert short == theirs
    assert short[0] != 500


async def test_a_read_is_answered_the_short_way(
    hub: tuple[httpx.AsyncClient, RapportGraphQL, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, key = hub
    short_ways: list[str] = []
    post, parse = RapportGraphQL._post, RapportGraphQL._json_body

    async def watched_post(self: RapportGraphQL, request: Any) -> Any:
        short_ways.append("post")
        return await post(self, request)

    async def watched_parse(self: RapportGraphQL, request: Any, parsed: Any = None) -> Any:
        short_ways.append("parse")
        return await parse(self, request, parsed)

    async def strawberry_s(self: RapportGraphQL, request: Any) -> Any:
        raise AssertionError("strawberry's content-type parser ran")

    def parsed_again(self: RapportGraphQL, data: Any) -> Any:
        raise AssertionError("the body was parsed again after the gate parsed it")

    monkeypatch.setattr(RapportGraphQL, "_post", watched_post)
    monkeypatch.setattr(RapportGraphQL, "_json_body", watched_parse)
    monkeypatch.setattr(GraphQL, "parse_http_body", strawberry_s)
    monkeypatch.setattr(RapportGraphQL, "parse_json", parsed_again)
    status, media, body = await _answer(client, key, JSON, JSON, READ)
    assert status == 200 and media == "application/json; charset=utf-8"
    assert b'"displayName"' in body and b'"errors"' not in body
    assert short_ways == ["post", "parse"]
