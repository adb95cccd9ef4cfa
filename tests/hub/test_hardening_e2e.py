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
from tests.hub.gql import SET_PREFERENCES, TRACK
from tests.hub.test_identity_e2e import identify, some_skus

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


@pytest.mark.parametrize("escape", [r"\u0000", r"\u{0}"])
def test_a_nul_written_in_the_document_is_refused_on_every_store(
    hub: HubHandle, escape: str
) -> None:
    """Found by schemathesis on PostgreSQL: a NUL escaped in a GraphQL string literal (not a
    JSON escape, so the body's check let it by) reached the store, which refused it with an
    error the client saw as "Unexpected error."; on SQLite it was stored."""
    email = f"{unique()}@example.com"
    document = (
        'mutation { identify(input: {identifiers: [{kind: EMAIL, value: "%s"}], '
        'touchpoint: WEB, traits: {firstName: "Ann%s"}}) { profile { id } } }' % (email, escape)
    )
    response = _raw(hub, json.dumps({"query": document}).encode())
    assert response.status_code in (200, 400), response.text
    assert _code(response) == "INVALID", response.text
    assert response.json()["errors"][0]["message"] == "Text may not contain NUL characters."
    read = "query($i: IdentifierInput!) { profile(identifier: $i) { id } }"
    found = hub.gql(read, {"i": {"kind": "EMAIL", "value": email}})
    assert found["data"]["profile"] is None, "nothing of it was stored"


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
    # Each with the code Apollo Server gives it, so a client tells them apart without words.
    for broken, code in [
        ("{ __typename", "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
        (
            '{ profile(id: "x") { preferences(source: STATED) { key } } }',
            "GRAPHQL_VALIDATION_FAILED",
        ),
        # The document's own use of its variables is the document's mistake (validation)...
        ("query($a: Int!) { __typename }", "GRAPHQL_VALIDATION_FAILED"),  # never used
        ("{ products(first: $n) { sku } }", "GRAPHQL_VALIDATION_FAILED"),  # not defined
        ("query($s: Int) { products(search: $s) { sku } }", "GRAPHQL_VALIDATION_FAILED"),
        # ...a value that does not fit (or a required one not given) is the input's.
        ("query($n: Int!) { products(first: $n) { sku } }", "BAD_USER_INPUT"),
    ]:
        strict = post(broken, GRAPHQL_RESPONSE)
        assert strict.status_code == 400, (broken, strict.text)
        assert strict.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in strict.json() and strict.json()["errors"]
        assert _code(strict) == code, (broken, strict.text)
        legacy = post(broken, "application/json")
        assert legacy.status_code == 200, (broken, legacy.text)
        assert legacy.headers["content-type"].startswith("application/json")
        assert "data" not in legacy.json() and legacy.json()["errors"]
    assert post("{ __typename }", "*/*").headers["content-type"].startswith("application/json")
    refused = post("{ __typename }", "text/html")
    assert refused.status_code == 406 and _code(refused) == "NOT_ACCEPTABLE"


def _get(hub: HubHandle, params: str | dict[str, str], **headers: str) -> httpx.Response:
    if isinstance(params, str):  # sent as written, not encoded again
        url = httpx.URL(f"{hub.url}/graphql", query=params.encode())
    else:
        url = httpx.URL(f"{hub.url}/graphql", params=params)
    return httpx.get(url, headers={"Authorization": f"Bearer {hub.web_key}", **headers}, timeout=30)


def test_a_query_may_come_as_get_and_a_mutation_may_not(hub: HubHandle) -> None:
    """GraphQL over HTTP's GET, which urql uses for queries by default: the same answer as a
    POST, never stored by a cache; a mutation is 405 with Allow: POST and writes nothing."""
    email = f"{unique()}@example.com"
    identify(hub, hub.web_key, "WEB", ("EMAIL", email))
    read = "query($i: IdentifierInput!) { profile(identifier: $i) { id version isKnown } }"
    variables = {"i": {"kind": "EMAIL", "value": email}}
    posted = _raw(hub, json.dumps({"query": read, "variables": variables}).encode())
    got = _get(hub, {"query": read, "variables": json.dumps(variables)})
    assert got.status_code == posted.status_code == 200
    assert got.json() == posted.json() and got.json()["data"]["profile"]["isKnown"] is True
    assert got.headers["cache-control"] == posted.headers["cache-control"] == "no-store"
    strict = _get(hub, {"query": "{ noSuchField }"}, Accept=GRAPHQL_RESPONSE)
    assert strict.status_code == 400 and _code(strict) == "GRAPHQL_VALIDATION_FAILED"

    other = f"{unique()}@example.com"
    write = "mutation($e: String!) { identify(input: {identifiers: [{kind: EMAIL, value: $e}], "
    write += "touchpoint: WEB}) { profile { id } } }"
    refused = _get(hub, {"query": write, "variables": json.dumps({"e": other})})
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    assert _code(refused) == "METHOD_NOT_ALLOWED"
    nothing = _raw(
        hub,
        json.dumps({"query": read, "variables": {"i": {"kind": "EMAIL", "value": other}}}).encode(),
    )
    assert nothing.json() == {"data": {"profile": None}}  # nothing written


@pytest.mark.parametrize(
    ("query_string", "code"),
    [
        ("query=%7B__typename%7D&variables=%7B%22a%22%3A%22%00%22%7D", "INVALID"),
        ("query=%7B__typename%7D%00", "INVALID"),
        ("query=%7B__typename%7D&variables=%7B%22a%22%3ANaN%7D", "INVALID_JSON"),
        ("query=%7B__typename%7D&variables=%5B1%5D", "BAD_REQUEST"),
        ("query=%7B__typename%7D&query=%7Bnope%7D", "BAD_REQUEST"),
        ("query=%7B__typename%7D&variables=%ff", "BAD_REQUEST"),
        ("variables=%7B%7D", "BAD_REQUEST"),
        ("query=" + "%5B" * 40, "GRAPHQL_PARSE_FAILED"),
        ("query=%7B__typename%7D&variables=" + "%5B" * 600 + "%5D" * 600, "TOO_DEEP"),
    ],
)
def test_a_get_is_held_to_what_a_post_body_is(hub: HubHandle, query_string: str, code: str) -> None:
    refused = _get(hub, query_string)
    assert refused.status_code in (200, 400), refused.text
    assert _code(refused) == code, refused.text


def test_a_subscription_over_http_is_a_clear_400(hub: HubHandle) -> None:
    query = 'subscription { profileChanged(profileId: "x") { version } }'
    response = _raw(hub, json.dumps({"query": query}).encode())
    assert response.status_code == 400, response.text
    assert _code(response) == "BAD_REQUEST"
    assert "WebSocket" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_method_the_api_does_not_take_is_a_typed_405(hub: HubHandle, method: str) -> None:
    """Not Starlette's plain text: the JSON every other refusal comes in, Allow kept."""
    response = httpx.request(
        method,
        f"{hub.url}/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"Authorization": f"Bearer {hub.web_key}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 405, response.text
    assert _code(response) == "METHOD_NOT_ALLOWED"
    assert method in response.json()["errors"][0]["message"]
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["allow"].split(",")}


def test_a_head_request_is_refused_without_listing_head_as_taken(hub: HubHandle) -> None:
    """Starlette's route lists HEAD beside GET; the API refuses it (after the key gate, with
    no Allow), while a PUT's Allow and message said HEAD was taken."""
    response = httpx.head(
        f"{hub.url}/graphql", headers={"Authorization": f"Bearer {hub.web_key}"}, timeout=30
    )
    assert response.status_code == 405
    taken = {m.strip() for m in response.headers["allow"].split(",")}
    assert taken == {"GET", "POST"}, taken
    put = httpx.put(f"{hub.url}/graphql", timeout=30)
    assert put.status_code == 405 and "HEAD" not in put.json()["errors"][0]["message"]


def test_an_address_the_hub_does_not_serve_is_a_typed_404(hub: HubHandle) -> None:
    response = httpx.get(f"{hub.url}/graphql/v2", timeout=30)
    assert response.status_code == 404, response.text
    assert _code(response) == "NOT_FOUND"
    assert "/graphql" in response.json()["errors"][0]["message"]


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
    # 100.0 is the Int 100 to GraphQL (graphql-core coerces it): counted as 100, not as the
    # default page (before, a float slipped a twentyfold count under the budget).
    as_float = hub.post(sized, {"n": 100.0}, key=hub.web_key).json()
    assert as_float["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", as_float
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
    """A production hub with a small rate for web keys, quick server pings and a second for a
    socket's `connection_init`."""
    url, keys = hub_database
    with running_hub(
        url,
        keys,
        RAPPORT_ENV="production",
        RAPPORT_SECRET_KEY="a-long-random-production-secret-for-this-test-only",
        RAPPORT_RATE_LIMITS='{"web": 5, "admin": 200}',
        RAPPORT_WS_PING_SECONDS="0.5",
        RAPPORT_WS_INIT_SECONDS="1",
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


async def test_the_export_file_counts_against_the_key_rate_as_graphql_does(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """One bucket a key, whichever route it calls: before, the export file (a whole record a
    call, the dearest read there is) was not rate-limited at all. A rate of one call every
    two seconds, in the test's own process, so that no refill falls between the calls."""
    from hub.settings import Settings
    from tests.hub.inprocess import serving

    url, keys = hub_database
    settings = Settings(database_url=url, retrain_on_start=False, rate_limits={"web": 0.5})
    web = {"Authorization": f"Bearer {keys['web']}"}
    async with serving(settings) as (client, _):
        first = await client.get("/profiles/anyone/export.json", headers=web)
        assert first.status_code == 403, first.text  # counted, then refused for its scope
        limited = await client.get("/profiles/anyone/export.json", headers=web)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert _code(limited) == "RATE_LIMITED"
        # The same bucket as /graphql's, and /metrics's.
        graphql = await client.post("/graphql", json={"query": "{ __typename }"}, headers=web)
        assert graphql.status_code == 429, graphql.text
        assert (await client.get("/metrics", headers=web)).status_code == 429
        admin = await client.get(
            "/profiles/anyone/export.json", headers={"Authorization": f"Bearer {keys['admin']}"}
        )
        assert admin.status_code == 404, "another key is not slowed by this one"


def test_metrics_are_for_admin_keys(strict_hub: HubHandle) -> None:
    """DESIGN.md gives metrics to admin keys; /metrics answered anyone."""
    url = f"{strict_hub.url}/metrics"
    anyone = httpx.get(url)
    assert anyone.status_code == 401 and _code(anyone) == "UNAUTHENTICATED"
    assert anyone.headers["WWW-Authenticate"] == 'Bearer realm="rapport"'
    wrong = httpx.get(url, headers={"Authorization": "Bearer not-a-key"})
    assert wrong.status_code == 401 and "rapport_" not in wrong.text
    kiosk = httpx.get(url, headers={"Authorization": f"Bearer {strict_hub.kiosk_key}"})
    assert kiosk.status_code == 403 and _code(kiosk) == "FORBIDDEN", kiosk.text
    assert "rapport_" not in kiosk.text
    admin = httpx.get(url, headers={"Authorization": f"Bearer {strict_hub.admin_key}"})
    assert admin.status_code == 200
    assert admin.headers["content-type"].startswith("text/plain")
    assert "rapport_uptime_seconds " in admin.text and "rapport_subscribers " in admin.text


def test_no_introspection_or_suggestions_in_production(strict_hub: HubHandle) -> None:
    time.sleep(0.5)
    schema = strict_hub.post("{ __schema { types { name } } }", key=strict_hub.admin_key)
    assert "data" not in schema.json() or schema.json()["data"] is None
    assert "introspection" in schema.json()["errors"][0]["message"].lower()
    assert _code(schema) == "GRAPHQL_VALIDATION_FAILED"
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


async def test_sockets_are_compressed_only_when_the_hub_is_told_to(
    hub: HubHandle, hub_database: tuple[str, dict[str, str]]
) -> None:
    """Clients offer permessage-deflate (this one does, as browsers and `ws` do); the hub
    declines unless RAPPORT_WS_COMPRESSION is on: a socket's compressor and decompressor would
    be most of what it holds, for messages of a few hundred bytes."""
    ws = await _open(hub.ws_url, hub.admin_key)
    try:
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
    finally:
        await ws.close()
    url, keys = hub_database
    with running_hub(
        url, keys, RAPPORT_WS_COMPRESSION="true", RAPPORT_RETRAIN_ON_START="false"
    ) as on:
        ws = await _open(on.ws_url, on.admin_key)
        try:
            assert "permessage-deflate" in ws.response.headers["Sec-WebSocket-Extensions"]
            await ws.send(_subscribe("{ __typename }"))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert answer["payload"] == {"data": {"__typename": "Query"}}
        finally:
            await ws.close()


async def _closed_with(hub: HubHandle, message: str) -> tuple[int | None, str]:
    ws = await _open(hub.ws_url, hub.admin_key)
    try:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            # A message too big may be refused (closed) while its last bytes are still
            # going out: the send then sees the close.
            await ws.send(message)
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


async def test_an_integer_beyond_64_bits_is_read_exactly_over_the_socket(hub: HubHandle) -> None:
    """A message is checked with orjson, which reads 10**30 as a float; the socket then parses
    it as HTTP does, so the integer is refused as not storable (as over HTTP), not stored as
    1e+30."""
    sku = some_skus(hub, 1)[0]
    ws = await _open(hub.ws_url, hub.web_key)
    try:
        events = [
            {
                "messageId": unique("big"),
                "identifier": {"kind": "ANONYMOUS_ID", "value": unique("anon")},
                "type": "VIEW",
                "touchpoint": "WEB",
                "productSku": sku,
                "properties": {"big": 10**30},
            }
        ]
        await ws.send(_subscribe(TRACK, {"events": events}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
        track = answer["payload"]["data"]["track"]
        assert track["accepted"] == 0, track
        assert [(e["field"], e["code"]) for e in track["userErrors"]] == [
            (["events", "0", "properties"], "INVALID")
        ]
    finally:
        await ws.close()


async def test_a_subscription_may_not_keep_megabytes_on_the_hub(hub: HubHandle) -> None:
    """A running subscription keeps its document and variables: a hundred a socket of two
    megabytes each would be 200 MB held for one client (a web key's sockets are anyone's).
    Refused with a typed error, the socket kept; a query of that size still runs."""
    ws = await _open(hub.ws_url, hub.web_key)
    try:
        listen = "subscription($id: ID!) { profileChanged(profileId: $id) { version } }"
        padded = {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": listen, "variables": {"id": "x", "pad": "p" * 20_000}},
        }
        await ws.send(json.dumps(padded))
        refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert refused["type"] == "error" and refused["id"] == "1", refused
        assert refused["payload"][0]["extensions"]["code"] == "TOO_LARGE"
        query = {
            "id": "2",
            "type": "subscribe",
            "payload": {
                "query": "{ __typename }",  # the variable goes unused: still sent
                "variables": {"pad": "p" * 20_000},
            },
        }
        await ws.send(json.dumps(query))
        answered = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert answered == {"id": "2", "type": "next", "payload": {"data": {"__typename": "Query"}}}
    finally:
        await ws.close()


def test_client_mistakes_are_not_logged_as_errors(hub: HubHandle) -> None:
    assert hub.log_path is not None
    before = hub.log_path.read_text()
    for document in ("{ nope }", "{ __typename", "query($a: Int!) { __typename }"):
        hub.post(document, key=hub.web_key)
    hub.post(TRACK, {"events": [{"messageId": 1}]}, key=hub.web_key)
    added = hub.log_path.read_text()[len(before) :]
    assert "Traceback" not in added and "ERROR" not in added, added


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("[1, 2]", "A message must be a JSON object, not an array."),
        ('"ping"', "A message must be a JSON object, not a string."),
        ('{"id": "1"}', "A message needs a `type` string."),
        ('{"type": "ping", "payload": "x"}', "`ping`'s payload must be an object, if any."),
        ('{"type": "complete", "id": ""}', "`complete` needs a non-empty `id` string."),
        (
            '{"type": "subscribe", "id": 1, "payload": {"query": "{ __typename }"}}',
            "`subscribe` needs a non-empty `id` string.",
        ),
        ('{"type": "subscribe", "id": "1"}', "`subscribe` needs a `payload` object."),
        (
            '{"type": "subscribe", "id": "1", "payload": {"query": 5}}',
            "`subscribe`'s `query` must be a string.",
        ),
        (
            '{"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "variables": [1]}}',
            "`subscribe`'s `variables` must be an object, if any.",
        ),
        (
            '{"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "operationName": 5}}',
            "`subscribe`'s `operationName` must be a string, if any.",
        ),
        (
            '{"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "extensions": "x"}}',
            "`subscribe`'s `extensions` must be an object, if any.",
        ),
        (
            '{"type": "complete", "id": "%s"}' % ("x" * 257),
            "An operation's `id` is at most 256 characters.",
        ),
    ],
)
async def test_a_socket_message_of_the_wrong_shape_is_refused_in_words(
    hub: HubHandle, message: str, reason: str
) -> None:
    """The shapes graphql-ws's own server holds clients to (`validateMessage`): each wrong one
    closes the socket with 4400 and says what was wrong, rather than failing in the server
    (a JSON array crashed the socket's handler; a number for `query` ran as an operation that
    ended in a logged traceback and a bare `complete`)."""
    assert hub.log_path is not None
    before = hub.log_path.read_text()
    assert await _closed_with(hub, message) == (4400, reason)
    added = hub.log_path.read_text()[len(before) :]
    assert "Traceback" not in added, added


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("{ profile(", "Syntax Error: Expected Name, found <EOF>."),
        (
            "{" + " ".join(f"a{i}: __typename" for i in range(3000)) + "}",
            "Syntax Error: Document contains more than 5000 tokens. Parsing aborted.",
        ),
    ],
)
async def test_a_document_that_does_not_parse_is_reported_on_the_socket(
    hub: HubHandle, query: str, reason: str
) -> None:
    """As strawberry answers a syntax error over graphql-transport-ws: the socket closes with
    4400 and the parser's message. It ended in a logged traceback and a bare `complete`, the
    client never told why: the parse cache parsed outside the step that reports errors."""
    assert hub.log_path is not None
    before = hub.log_path.read_text()
    assert await _closed_with(hub, _subscribe(query)) == (4400, reason)
    added = hub.log_path.read_text()[len(before) :]
    assert "Traceback" not in added and "ERROR" not in added, added


async def test_queries_on_open_sockets_hold_no_connection_and_see_new_writes(
    hub: HubHandle,
) -> None:
    """A socket's operations let go of what they read when each ends. Each socket that had run
    one query held a pooled connection until it closed: a score of them (Apollo and urql
    clients often send every operation over the socket) left the hub none to answer anyone
    with. And a second query on the same socket got the first one's cached answer."""
    email = ("EMAIL", f"{unique()}@example.com")
    profile_id = identify(hub, hub.admin_key, "WEB", email)["profile"]["id"]
    read = "query($id: ID!) { profile(id: $id) { version preferences { key value } } }"
    sockets = []
    try:
        for n in range(30):  # more than the pool's 5 + 10 (SQLite) or 10 + 10 (PostgreSQL)
            ws = await _open(hub.ws_url, hub.admin_key)
            sockets.append(ws)
            first = await _answer(ws, str(n), read, {"id": profile_id})
            assert first["data"]["profile"]["preferences"] == []
        started = time.monotonic()
        hub.gql(
            SET_PREFERENCES,
            {"id": profile_id, "tp": "WEB", "prefs": [{"key": "theme", "value": "vintage"}]},
        )
        assert time.monotonic() - started < 5  # not waiting out the pool's timeout
        again = await _answer(sockets[0], "again", read, {"id": profile_id})
        assert again["data"]["profile"]["preferences"] == [{"key": "theme", "value": "vintage"}]
        assert again["data"]["profile"]["version"] > first["data"]["profile"]["version"]
    finally:
        for ws in sockets:
            await ws.close()


async def _answer(ws: Any, op_id: str, query: str, variables: dict[str, Any]) -> Any:
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == op_id:
            assert message["type"] == "next", message
            return message["payload"]


async def test_a_socket_that_never_signs_in_is_closed(strict_hub: HubHandle) -> None:
    """A socket has RAPPORT_WS_INIT_SECONDS to send `connection_init` (graphql-ws's server
    allows 3 s; strawberry's default was a minute of an idle task for any passer-by)."""
    started = time.monotonic()
    async with websockets.connect(strict_hub.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
    assert time.monotonic() - started < 5


async def test_sockets_waiting_to_sign_in_are_capped_per_address(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """Sockets that never sign in cost the hub a task each for RAPPORT_WS_INIT_SECONDS: one
    address may keep RAPPORT_WS_MAX_WAITING of them waiting at once; the next is refused with
    429 before the handshake. Signed-in sockets do not count, and a closed one frees its place."""
    url, keys = hub_database
    with running_hub(
        url, keys, RAPPORT_WS_MAX_WAITING="3", RAPPORT_RETRAIN_ON_START="false"
    ) as hub:
        waiting = [
            await websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"])
            for _ in range(3)
        ]
        try:
            with pytest.raises(websockets.InvalidStatus) as refused:
                await websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"])
            response = refused.value.response
            assert response.status_code == 429 and response.headers["Retry-After"] == "1"
            assert json.loads(response.body)["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            # One signs in: it waits no longer, so a new socket is let in (and can sign in).
            await waiting[0].send(
                json.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"authorization": f"Bearer {hub.web_key}"},
                    }
                )
            )
            assert (
                json.loads(await asyncio.wait_for(waiting[0].recv(), 5))["type"] == "connection_ack"
            )
            signed_in = await _open(hub.ws_url, hub.web_key)
            await signed_in.close()
            # One closes without signing in: its place is free again.
            await waiting[1].close()
            await asyncio.sleep(0.2)
            late = await websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"])
            await late.close()
            # Signed-in sockets are not capped: more than the limit at once is fine.
            many = [await _open(hub.ws_url, hub.web_key) for _ in range(5)]
            for ws in many:
                await ws.close()
        finally:
            for ws in waiting:
                await ws.close()


async def test_signed_in_sockets_are_capped_per_key(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """One key could hold any number of signed-in sockets (each a task, a context and ~80 KiB
    on the hub). RAPPORT_WS_MAX_SOCKETS_PER_KEY caps them per hub process: the next one's
    `connection_init` is refused with close 4429 and no `connection_ack`; another key is not
    held back by it, and a closed socket frees its place."""
    url, keys = hub_database
    with running_hub(
        url, keys, RAPPORT_WS_MAX_SOCKETS_PER_KEY="2", RAPPORT_RETRAIN_ON_START="false"
    ) as hub:
        held = [await _open(hub.ws_url, hub.web_key) for _ in range(2)]
        try:
            extra = await websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"])
            init = {
                "type": "connection_init",
                "payload": {"authorization": f"Bearer {hub.web_key}"},
            }
            await extra.send(json.dumps(init))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(extra.recv(), 5)
            assert closed.value.rcvd is not None, closed.value
            assert closed.value.rcvd.code == 4429, closed.value.rcvd
            assert closed.value.rcvd.reason.startswith("Too many requests"), closed.value.rcvd
            # Another key has places of its own; the held sockets still work.
            other = await _open(hub.ws_url, hub.kiosk_key)
            await other.close()
            await held[0].send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(held[0].recv(), 5))["type"] == "pong"
            # One closes: its place is free again, and only one.
            await held.pop().close()
            await asyncio.sleep(0.3)
            held.append(await _open(hub.ws_url, hub.web_key))
            again = await websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"])
            await again.send(json.dumps(init))
            with pytest.raises(websockets.ConnectionClosed) as refused:
                await asyncio.wait_for(again.recv(), 5)
            assert refused.value.rcvd is not None and refused.value.rcvd.code == 4429
        finally:
            for ws in held:
                await ws.close()


async def test_operations_past_a_sockets_limit_are_refused_with_a_code(hub: HubHandle) -> None:
    email = ("EMAIL", f"{unique()}@example.com")
    profile_id = identify(hub, hub.admin_key, "WEB", email)["profile"]["id"]
    watch = json.dumps(
        {
            "query": "subscription($id: ID!) { profileChanged(profileId: $id) { version } }",
            "variables": {"id": profile_id},
        }
    )
    ws = await _open(hub.ws_url, hub.admin_key)
    try:
        for n in range(101):
            await ws.send(f'{{"id": "w{n}", "type": "subscribe", "payload": {watch}}}')
        refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert refused["id"] == "w100" and refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"] == {"code": "TOO_MANY"}
        assert (
            refused["payload"][0]["message"] == "At most 100 operations run at once on one socket."
        )
    finally:
        await ws.close()


def test_the_access_log_leaves_out_query_strings() -> None:
    """A GET query's variables (an email to look a shopper up by) never reach a log line."""
    import logging

    from hub.app import NoQueryStrings

    path = "/graphql?query=%7B...%7D&variables=%7B%22v%22%3A%22ann%40example.com%22%7D"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    assert NoQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /graphql?… HTTP/1.1" 200'
