"""Faults a careless or hostile client we did not write could drive (an audit's findings): each
test failed on the code before its fix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.types import Message

from clients.kiosk.app import create_app as create_kiosk
from clients.kiosk.config import KioskConfig
from clients.kiosk.pages import MAX_FORM_BYTES
from tests.conftest import HubHandle

_WIDE = "sku name description price tags inStock unitsSold category { name }"


def _aliases(count: int, field: str, variables: str = "") -> str:
    head = f"query({variables}) " if variables else ""
    return head + "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


def test_a_page_size_from_a_variables_default_is_counted(hub: HubHandle) -> None:
    """`query($n: Int! = 100)` without `n` in the variables runs every list at 100 items: the
    cost count took the field's own default (20) instead, so twelve pages of 100 wide products
    (cost 12,012, over a web key's 10,000) ran — fivefold per list level."""
    literal = _aliases(12, f'products(first: 100, search: "a") {{ {_WIDE} }}')
    refused = hub.post(literal, key=hub.web_key).json()
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", refused

    by_default = _aliases(12, f'products(first: $n, search: "a") {{ {_WIDE} }}', "$n: Int! = 100")
    answer = hub.post(by_default, key=hub.web_key).json()
    assert "data" not in answer, {k: len(v) for k, v in (answer.get("data") or {}).items()}
    assert answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", answer
    # The variable given still counts as given, and a small default passes.
    given = hub.post(by_default, {"n": 2}, key=hub.web_key).json()
    assert "errors" not in given and len(given["data"]["a0"]) <= 2, given
    small = hub.post(by_default.replace("= 100", "= 2"), key=hub.web_key).json()
    assert "errors" not in small and len(small["data"]["a0"]) <= 2, small


BREAK = "taking a short break"  # the kiosk's out-of-service page


@asynccontextmanager
async def _kiosk(hub: HubHandle) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the kiosk app in this process, on the real hub."""
    app = create_kiosk(KioskConfig(hub_url=hub.url, key=hub.kiosk_key))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as client:
            yield client
    finally:
        await app.state.kiosk.hub.aclose()


async def test_an_unknown_page_cursor_is_not_an_outage_at_the_kiosk(hub: HubHandle) -> None:
    """`/c/<slug>?after=<sku>`: an edited address, or a product withdrawn between two pages of
    a shelf, made the hub refuse the cursor, and the kiosk showed its out-of-service page with
    503 (as if the hub were down) instead of the page a wrong address gets."""
    slug = hub.gql("{ categories { slug } }")["data"]["categories"][0]["slug"]
    async with _kiosk(hub) as client:
        await client.post("/browse")
        assert (await client.get(f"/c/{slug}")).status_code == 200
        for after in ("no-such-sku", "x" * 300, "\x01"):
            response = await client.get(f"/c/{slug}", params={"after": after})
            assert response.status_code < 500, (after, response.status_code)
            assert BREAK not in response.text, after
            assert "find that" in response.text, after
        assert (await client.get("/home")).status_code == 200


async def test_the_kiosk_stops_reading_a_form_past_its_limit(hub: HubHandle) -> None:
    """A form body is at most 64 KiB, but the kiosk read a body of any size whole into memory
    before looking at its length: one POST of 200 MB held 200 MB on a kiosk server."""
    app = create_kiosk(KioskConfig(hub_url=hub.url, key=hub.kiosk_key))
    chunk = b"identifier=" + b"a" * 65_536
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        if pulled > 3_000:  # ~200 MB in all
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/identify",
        "raw_path": b"/identify",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded"), (b"host", b"kiosk")],
        "client": ("127.0.0.1", 1),
        "server": ("kiosk", 80),
    }
    try:
        await app(scope, receive, send)
    finally:
        await app.state.kiosk.hub.aclose()
    read = pulled * len(chunk)
    assert read <= MAX_FORM_BYTES + 2 * len(chunk), f"read {read:,} bytes of a form"
    assert sent[0]["status"] == 413, sent[0]
