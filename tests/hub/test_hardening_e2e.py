"""What careless and hostile clients send, over HTTP and WebSocket, and the limits a public
API needs: every refusal is typed, nothing is half-written, and no request gets a 500."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import HubHandle, running_hub, unique
from tests.hub.gql import TRACK
from tests.hub.test_identity_e2e import some_skus

GRAPHQL_RESPONSE = "application/graphql-response+json"


def _raw(hub: HubHandle, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{hub.url}/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {hub.web_key}",
            "Content-Type": "application/json",
            **headers,
        },
        timeout=30,
    )


def _code(response: httpx.Response) -> str:
    body = response.json()
    assert "data" not in body, body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"query": "{ __typename }", "x": "\xff\xfe"}', "INVALID_JSON"),  # not UTF-8
        (b"42", "BAD_REQUEST"),
        (b'"{ __typename }"', "BAD_REQUEST"),
        (b"null", "BAD_REQUEST"),
        (b"[]", "BAD_REQUEST"),
        (b'{"variables": {}}', "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "variables": [1]}', "BAD_REQUEST"),
        (b'{"query": 7}', "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "variables": {"a": NaN}}', "INVALID_JSON"),
        (b'{"query": "{ __typename }", "variables": {"a": Infinity}}', "INVALID_JSON"),
        (b'{"query": "{ __typename }", "variables": {"a": 1e999}}', "INVALID_JSON"),
        (
            b'{"query": "{ __typename }", "variables": {"a": '
            + b'{"b": ' * 5000
            + b"1"
            + b"}" * 5001,
            "INVALID_JSON",
        ),
        (
            b'{"query": "{ __typename }", "variables": {"a": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}}",
            "INVALID_JSON",
        ),
        (
            b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 600 + b"]" * 600 + b"}}",
            "TOO_DEEP",
        ),
    ],
)
def test_malformed_bodies_get_a_typed_400(hub: HubHandle, body: bytes, code: str) -> None:
    response = _raw(hub, body)
    assert response.status_code == 400, response.text
    assert _code(response) == code
    assert response.headers["content-type"].startswith("application/json")


def test_a_body_that_is_not_json_gets_415(hub: HubHandle) -> None:
    response = _raw(hub, b"query { __typename }", **{"Content-Type": "application/graphql"})
    assert response.status_code == 415
    assert _code(response) == "UNSUPPORTED_MEDIA_TYPE"


def test_non_finite_numbers_in_event_properties_are_refused(hub: HubHandle) -> None:
    # A GraphQL literal of 1e999 is infinity once parsed; nothing may store it.
    sku = some_skus(hub, 1)[0]
    anon = unique("anon-")
    document = (
        'mutation { track(events: [{messageId: "%s", identifier: {kind: ANONYMOUS_ID, value: '
        '"%s"}, type: VIEW, touchpoint: WEB, productSku: "%s", properties: {size: 1e999}}]) '
        "{ accepted userErrors { field code message } } }" % (unique("m"), anon, sku)
    )
    result = hub.gql(document, key=hub.web_key)["data"]["track"]
    assert result["accepted"] == 0
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["events", "0", "properties"], "INVALID")
    ]
    profile = hub.gql(
        'query { profile(identifier: {kind: ANONYMOUS_ID, value: "%s"}) { id } }' % anon,
        key=hub.web_key,
    )
    assert profile["data"]["profile"] is None  # nothing half-written


def test_graphql_response_json_media_type_and_status_codes(hub: HubHandle) -> None:
    def post(query: str, accept: str) -> httpx.Response:
        return _raw(hub, json.dumps({"query": query}).encode(), Accept=accept)

    ok = post("{ __typename }", GRAPHQL_RESPONSE)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert ok.json() == {"data": {"__typename": "Query"}}
    for broken in ("{ __typename", "{ noSuchField }", "query($a: Int!) { __typename }"):
        strict = post(broken, GRAPHQL_RESPONSE)
        assert strict.status_code == 400, (broken, strict.text)
        assert strict.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in strict.json() and strict.json()["errors"]
        legacy = post(broken, "application/json")
        assert legacy.status_code == 200, (broken, legacy.text)
        assert legacy.headers["content-type"].startswith("application/json")
        assert "data" not in legacy.json() and legacy.json()["errors"]
    assert post("{ __typename }", "*/*").headers["content-type"].startswith("application/json")
    refused = post("{ __typename }", "text/html")
    assert refused.status_code == 406 and _code(refused) == "NOT_ACCEPTABLE"


def test_a_subscription_over_http_is_a_clear_400(hub: HubHandle) -> None:
    query = 'subscription { profileChanged(profileId: "x") { version } }'
    response = _raw(hub, json.dumps({"query": query}).encode())
    assert response.status_code == 400, response.text
    assert _code(response) == "BAD_REQUEST"
    assert "WebSocket" in response.json()["errors"][0]["message"]


def _aliases(count: int, field: str) -> str:
    return "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


def test_aliases_root_fields_and_cost_are_limited(hub: HubHandle) -> None:
    started = time.monotonic()
    many = hub.post(_aliases(262, "products(first: 100) { sku name price }"), key=hub.web_key)
    assert time.monotonic() - started < 2.0, "refused before any work"
    assert many.status_code == 200
    assert many.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert "data" not in many.json()

    sku = some_skus(hub, 1)[0]
    roots = hub.post(_aliases(21, f'product(sku: "{sku}") {{ sku }}'), key=hub.web_key)
    assert roots.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_ROOT_FIELDS"

    # Each alias within the limits, together over a web key's budget.
    wide = "sku name description price tags inStock unitsSold category { name }"
    costly = _aliases(20, f"products(first: 100) {{ {wide} }}")
    refused = hub.post(costly, key=hub.web_key).json()
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", refused
    assert "budget" in refused["errors"][0]["message"]
    # The same size through a variable is counted the same way.
    sized = "query($n: Int!) {" + _aliases(20, f"products(first: $n) {{ {wide} }}")[1:]
    by_variable = hub.post(sized, {"n": 100}, key=hub.web_key).json()
    assert by_variable["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    # A count is remembered with the sizes it read: the same text with small pages passes,
    # and with large ones is refused again.
    small = hub.post(sized, {"n": 2}, key=hub.web_key).json()
    assert "errors" not in small and len(small["data"]["a19"]) == 2, small
    again = hub.post(sized, {"n": 100}, key=hub.web_key).json()
    assert again["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    # Expensive fields cost more: a handful of evaluations is over even an admin's budget.
    evaluations = _aliases(
        12,
        'evaluation(from: "2010-01-01T00:00:00Z", to: "2010-02-01T00:00:00Z") { holdoutPercent }',
    )
    admin = hub.post(evaluations, key=hub.admin_key).json()
    assert admin["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", admin
    # An ordinary page is well within.
    fine = hub.gql("{ products(first: 100) { sku name price } }", key=hub.web_key)
    assert len(fine["data"]["products"]) > 0


@pytest.fixture(scope="module")
def strict_hub(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    """A production hub with a small rate for web keys and quick server pings."""
    url, keys = hub_database
    with running_hub(
        url,
        keys,
        RAPPORT_ENV="production",
        RAPPORT_SECRET_KEY="a-long-random-production-secret-for-this-test-only",
        RAPPORT_RATE_LIMITS='{"web": 5, "admin": 200}',
        RAPPORT_WS_PING_SECONDS="0.5",
        RAPPORT_RETRAIN_ON_START="false",
    ) as handle:
        yield handle


def test_each_key_is_rate_limited_with_retry_after(strict_hub: HubHandle) -> None:
    statuses = [strict_hub.post("{ __typename }", key=strict_hub.web_key) for _ in range(30)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    assert sum(r.status_code == 200 for r in statuses) >= 10  # the burst went through
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert _code(limited[0]) == "RATE_LIMITED"
    # Another key is not slowed by this one.
    assert strict_hub.post("{ __typename }", key=strict_hub.admin_key).status_code == 200
    time.sleep(1.2)
    assert strict_hub.post("{ __typename }", key=strict_hub.web_key).status_code == 200


def test_no_introspection_or_suggestions_in_production(strict_hub: HubHandle) -> None:
    time.sleep(0.5)
    schema = strict_hub.post("{ __schema { types { name } } }", key=strict_hub.admin_key)
    assert "data" not in schema.json() or schema.json()["data"] is None
    assert "introspection" in schema.json()["errors"][0]["message"].lower()
    typo = strict_hub.post("{ prodcts(first: 1) { sku } }", key=strict_hub.admin_key).json()
    assert "Did you mean" not in json.dumps(typo), typo
    assert "prodcts" in typo["errors"][0]["message"]


def test_suggestions_and_introspection_are_on_in_dev(hub: HubHandle) -> None:
    typo = hub.post("{ prodcts(first: 1) { sku } }", key=hub.admin_key).json()
    assert "Did you mean" in typo["errors"][0]["message"]
    schema = hub.gql("{ __schema { queryType { name } } }", key=hub.admin_key)
    assert schema["data"]["__schema"]["queryType"]["name"] == "Query"


async def _open(url: str, key: str) -> Any:
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}})
    )
    ack = await asyncio.wait_for(ws.recv(), 5)
    assert isinstance(ack, str), "graphql-transport-ws messages are text frames"
    assert json.loads(ack)["type"] == "connection_ack"
    return ws


async def test_websocket_messages_are_text_and_the_server_pings(strict_hub: HubHandle) -> None:
    ws = await _open(strict_hub.ws_url, strict_hub.admin_key)
    try:
        ping = await asyncio.wait_for(ws.recv(), 5)
        assert isinstance(ping, str) and json.loads(ping) == {"type": "ping"}
        await ws.send(json.dumps({"type": "pong"}))
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        )
        while True:
            message = await asyncio.wait_for(ws.recv(), 5)
            assert isinstance(message, str)
            if json.loads(message)["type"] != "ping":
                break
        assert json.loads(message)["payload"] == {"data": {"__typename": "Query"}}
    finally:
        await ws.close()


async def _closed_with(hub: HubHandle, message: str) -> tuple[int | None, str]:
    ws = await _open(hub.ws_url, hub.admin_key)
    try:
        await ws.send(message)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            for _ in range(10):
                await asyncio.wait_for(ws.recv(), 10)
        frame = closed.value.rcvd
        return (frame.code, frame.reason) if frame else (None, "")
    finally:
        await ws.close()


def _subscribe(query: str, variables: dict[str, Any] | None = None) -> str:
    payload = {"query": query, "variables": variables or {}}
    return json.dumps({"id": "1", "type": "subscribe", "payload": payload})


async def test_the_websocket_path_applies_the_http_gate(hub: HubHandle) -> None:
    note = "mutation($id: ID!, $t: String!) { addNote(profileId: $id, text: $t) { note { id } } }"
    nul = await _closed_with(hub, _subscribe(note, {"id": "x", "t": "a\u0000b"}))
    assert nul == (4400, "Text may not contain NUL characters.")
    deep = '{"a": ' * 600 + "1" + "}" * 600
    too_deep = await _closed_with(
        hub, _subscribe("{ __typename }").replace('"variables": {}', f'"variables": {deep}')
    )
    assert too_deep[0] == 4400 and "nested" in too_deep[1]
    not_json = await _closed_with(hub, '{"type": "subscribe", "id": "1", "payload": NaN}')
    assert not_json[0] == 4400
    huge = await _closed_with(hub, _subscribe("{ __typename }", {"pad": "x" * 3_000_000}))
    assert huge[0] == 1009  # message too big


def test_client_mistakes_are_not_logged_as_errors(hub: HubHandle) -> None:
    assert hub.log_path is not None
    before = hub.log_path.read_text()
    for document in ("{ nope }", "{ __typename", "query($a: Int!) { __typename }"):
        hub.post(document, key=hub.web_key)
    hub.post(TRACK, {"events": [{"messageId": 1}]}, key=hub.web_key)
    added = hub.log_path.read_text()[len(before) :]
    assert "Traceback" not in added and "ERROR" not in added, added
