"""Requests that go wrong outside a field's own checks: malformed or oversized bodies, NUL
characters anywhere in a request, a database constraint the hub did not expect, what an expected
error leaves in the log, and seed-demo's report on a file without the demo personas. Each gets a
clear error (or the right output), never a 500 or an incident; split from test_validation_e2e.py,
whose helpers the NUL test shares."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import sqlalchemy
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import HubHandle, hub_command, unique
from tests.hub.gql import IDENTIFY, PROFILE_BY_ID, SET_PREFERENCES, TRACK
from tests.hub.test_identity_e2e import identify, some_skus
from tests.hub.test_validation_e2e import FORGET, _event


def test_malformed_requests_are_not_500s(hub: HubHandle) -> None:
    client = hub._client
    headers = {"Authorization": f"Bearer {hub.admin_key}"}
    for content in (b"{", b"[]", b'{"query": 5}', b'{"query": "{ nope }"}', b""):
        response = client.post(
            f"{hub.url}/graphql",
            headers={**headers, "content-type": "application/json"},
            content=content,
        )
        assert 400 <= response.status_code < 500 or "errors" in response.json(), content
        assert response.status_code != 500
    deep = "{ products { category { name } } }".replace("name", "name " * 1)
    assert hub.post(deep).status_code == 200


def _nul_refused(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {
        "errors": [
            {"message": "Text may not contain NUL characters.", "extensions": {"code": "INVALID"}}
        ]
    }


def test_nul_characters_are_refused_before_any_work(hub: HubHandle) -> None:
    pid = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]["id"]
    sku = some_skus(hub, 1)[0]
    nul = "a\u0000b"
    calls: list[tuple[str, dict[str, object]]] = [
        (TRACK, {"events": [_event(messageId=nul, productSku=sku)]}),
        (TRACK, {"events": [_event(productSku=sku, properties={"q": nul})]}),
        (SET_PREFERENCES, {"id": pid, "tp": "WEB", "prefs": [{"key": "theme", "value": nul}]}),
        (PROFILE_BY_ID, {"id": nul}),
        ("query($s: String!) { product(sku: $s) { sku } }", {"s": nul}),
        (FORGET, {"id": pid, "k": "tag", "v": nul}),
    ]
    for query, variables in calls:
        _nul_refused(hub.post(query, variables))
    client, url = hub._client, f"{hub.url}/graphql"
    headers = {"Authorization": f"Bearer {hub.admin_key}", "content-type": "application/json"}
    for content in (
        b'{"query": "{ product(sku: \\"A\\u0000\\") { sku } }"}',  # inside the document
        b'{"query": "{ product(sku: \\"A\\U0000\\") { sku } }"}',
        b'{"query": "{ product(sku: \\"A\x00\\") { sku } }"}',  # a raw NUL byte
    ):
        _nul_refused(client.post(url, headers=headers, content=content))
    # An escaped backslash followed by "u0000" is six ordinary characters.
    plain = hub.gql("query($s: String!) { product(sku: $s) { sku } }", {"s": "\\u0000"})
    assert plain == {"data": {"product": None}}
    assert hub.gql(PROFILE_BY_ID, {"id": pid})["data"]["profile"]["preferences"] == []


def test_oversized_bodies_are_refused(hub: HubHandle) -> None:
    client, url = hub._client, f"{hub.url}/graphql"
    headers = {"Authorization": f"Bearer {hub.admin_key}", "content-type": "application/json"}
    padded = orjson.dumps({"query": "{ categories { slug } }", "variables": {"p": "x" * 2_000_000}})
    declared = client.post(url, headers=headers, content=padded)
    assert declared.status_code == 413
    assert declared.json()["errors"][0]["extensions"] == {"code": "TOO_LARGE"}

    def stream() -> Iterator[bytes]:  # chunked: no Content-Length to go by
        for start in range(0, len(padded), 65536):
            yield padded[start : start + 65536]

    streamed = client.post(url, headers=headers, content=stream())
    assert streamed.status_code == 413
    assert streamed.json()["errors"][0]["extensions"] == {"code": "TOO_LARGE"}
    small = orjson.dumps({"query": "{ categories { slug } }"})
    chunked = client.post(url, headers=headers, content=iter([small[:10], small[10:]]))
    assert chunked.status_code == 200 and "errors" not in chunked.json()


def _execute(database_url: str, *statements: str) -> None:
    async def run() -> None:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                for statement in statements:
                    await connection.execute(sqlalchemy.text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_a_broken_constraint_is_a_conflict_not_a_500(hub: HubHandle) -> None:
    email = f"{unique('refused-')}@example.com"
    if hub.database_url.startswith("sqlite"):
        _execute(
            hub.database_url,
            f"CREATE TRIGGER test_{email[8:20]} BEFORE INSERT ON identifiers "
            f"WHEN NEW.value = '{email}' BEGIN SELECT RAISE(ABORT, 'refused by a test'); END",
        )
    else:
        _execute(
            hub.database_url,
            f"ALTER TABLE identifiers ADD CONSTRAINT test_{email[8:20]} "
            f"CHECK (value <> '{email}') NOT VALID",
        )
    body = hub.gql(
        IDENTIFY,
        {"input": {"identifiers": [{"kind": "EMAIL", "value": email}], "touchpoint": "WEB"}},
    )
    assert "errors" not in body, body
    assert body["data"]["identify"]["userErrors"] == [
        {"field": None, "code": "CONFLICT", "message": "That conflicts with data already stored."}
    ]


def _hub_log(hub: HubHandle) -> Path:
    assert hub.log_path is not None
    return hub.log_path


def test_expected_errors_are_not_logged_as_incidents(hub: HubHandle) -> None:
    log = _hub_log(hub)
    before = log.stat().st_size
    assert hub.gql("{ profile { id } }")["errors"][0]["extensions"]["code"] == "REQUIRED"
    assert hub.gql('{ products(search: "%s") { sku } }' % ("x" * 201))["errors"]
    time.sleep(0.3)
    with log.open("rb") as handle:
        handle.seek(before)
        written = handle.read().decode(errors="replace")
    assert "Traceback" not in written and "ClientError" not in written, written


def _seed(make_database, path: Path, *lines: str) -> str:  # type: ignore[no-untyped-def]
    header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
    path.write_bytes(gzip.compress((header + "".join(lines)).encode()))
    url = make_database("seedp")
    hub_command(url, "migrate")
    return hub_command(url, "seed-demo", str(path), "--no-keys").stdout


def test_seed_demo_prints_only_the_personas_it_attached(make_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    line = "{},22720,SET OF 3 CAKE TINS PANTRY DESIGN,2,2010-03-01 10:00:00,4.95,{},UK\n"
    anna = _seed(
        make_database,
        tmp_path / "anna.csv.gz",
        line.format(500001, "13085.0"),
        line.format(500002, "99999.0"),
    )
    assert "Mrs Anna Clarke" in anna and "CRM_ID 13085" in anna
    assert not any(name in anna for name in ("Tom", "Priya", "Gareth")), anna
    nobody = _seed(make_database, tmp_path / "nobody.csv.gz", line.format(500003, "99998.0"))
    assert "CRM_ID" not in nobody
    assert "No demo personas" in nobody
