"""Requests that go wrong outside a field's own checks: malformed or oversized bodies, NUL
characters anywhere in a request, a database constraint the hub did not expect, what an expected
error leaves in the log, and seed-demo's report on a file without the demo personas. Each gets a
clear error (or the right output), never a 500 or an incident; split from test_validation_e2e.py,
whose helpers the NUL test shares."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
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


def test_compressed_bodies_are_read_within_the_same_limit(hub: HubHandle) -> None:
    """A body sent with Content-Encoding gzip or deflate (as analytics SDKs send big `track`
    batches) is decoded; the size limit holds for the decoded body too, so a small body that
    inflates past it is refused while it is read; a coding the hub does not read is a 415
    naming those it does, not a JSON error about the compressed bytes."""
    client, url = hub._client, f"{hub.url}/graphql"
    headers = {"Authorization": f"Bearer {hub.web_key}", "content-type": "application/json"}
    sku = some_skus(hub, 1)[0]
    events = [_event(productSku=sku) for _ in range(200)]
    batch = orjson.dumps({"query": TRACK, "variables": {"events": events}})
    plain = orjson.dumps({"query": "{ categories { slug } }"})
    zipped = gzip.compress(batch)
    assert len(zipped) < len(batch) // 4

    def post(content: object, coding: str) -> httpx.Response:
        return client.post(url, headers={**headers, "content-encoding": coding}, content=content)

    tracked = post(zipped, "gzip")
    assert tracked.status_code == 200, tracked.text
    assert tracked.json()["data"]["track"]["accepted"] == 200
    again = post(iter([zipped[i : i + 7] for i in range(0, len(zipped), 7)]), "x-gzip")
    assert again.json()["data"]["track"]["duplicates"] == 200  # the same messages, chunked
    answer = client.post(url, headers=headers, content=plain).json()
    two_members = gzip.compress(plain[:9]) + gzip.compress(plain[9:])
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    for content, coding in (
        (zlib.compress(plain), "deflate"),
        (raw_deflate.compress(plain) + raw_deflate.flush(), "Deflate"),
        (two_members, "gzip"),
        (plain, "identity"),
    ):
        assert post(content, coding).json() == answer, coding

    bomb = gzip.compress(b'{"query": "{ categories { slug } }", "p": "' + b" " * 3_000_000)
    assert len(bomb) < 10_000
    for content in (bomb, iter([bomb[:100], bomb[100:]])):
        refused = post(content, "gzip")
        assert refused.status_code == 413, refused.text
        assert refused.json()["errors"][0]["extensions"] == {"code": "TOO_LARGE"}

    for content, coding, why in (
        (plain, "gzip", "not valid gzip"),
        (zipped[: len(zipped) // 2], "gzip", "ends early"),
        (zlib.compress(plain) + b"xx", "deflate", "after the end"),
    ):
        bad = post(content, coding)
        assert bad.status_code == 400, (coding, bad.text)
        error = bad.json()["errors"][0]
        assert error["extensions"] == {"code": "BAD_REQUEST"} and why in error["message"]
    for coding in ("br", "gzip, gzip", "zstd"):
        unread = post(plain, coding)
        assert unread.status_code == 415, coding
        assert unread.headers["accept-encoding"] == "gzip, deflate"
        assert unread.json()["errors"][0]["extensions"] == {"code": "UNSUPPORTED_MEDIA_TYPE"}


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
