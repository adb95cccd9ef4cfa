"""A shop's web pages call the hub from the browser (a web key is made for that): with the
shop's origin in RAPPORT_CORS_ORIGINS, headless Chromium lets a page there read the hub's
answers (the preflight for Authorization and JSON included), and a page on any other origin
cannot. Without CORS no browser page off the hub's own origin could use the API at all."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.async_api import async_playwright

from tests.conftest import HubHandle, running_hub
from tests.kiosk.support import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

# What a shop's script does: Apollo, urql and fetch all send this preflighted request.
CALL = """async ([url, key]) => {
  try {
    const answer = await fetch(url, {
      method: 'POST',
      headers: {Authorization: `Bearer ${key}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({query: '{ products(first: 1) { sku } }'}),
    });
    return {status: answer.status, body: await answer.json()};
  } catch (error) {
    return {failed: String(error)};
  }
}"""


class _Shop(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>Shop</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def _site() -> Iterator[str]:
    """A web site of its own on this machine (another origin than the hub's): its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_page_on_an_allowed_origin_calls_the_hub_and_no_other_can(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once, before the browser starts
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    url, keys = hub_database
    with contextlib.ExitStack() as stack:
        shop, elsewhere = stack.enter_context(_site()), stack.enter_context(_site())
        hub = stack.enter_context(
            running_hub(
                url,
                keys,
                RAPPORT_CORS_ORIGINS=json.dumps([shop]),
                RAPPORT_RETRAIN_ON_START="false",
            )
        )
        await _calls_from(hub, shop, elsewhere)
    with running_hub(url, keys, RAPPORT_RETRAIN_ON_START="false") as closed:
        answer = await asyncio.to_thread(
            httpx.post,
            f"{closed.url}/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {closed.web_key}", "Origin": shop},
        )
        assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers


async def _calls_from(hub: HubHandle, shop: str, elsewhere: str) -> None:
    endpoint = f"{hub.url}/graphql"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{shop}/")
            allowed: dict[str, Any] = await page.evaluate(CALL, [endpoint, hub.web_key])
            assert allowed.get("status") == 200, allowed
            assert len(allowed["body"]["data"]["products"]) == 1
            # A wrong key is read as the typed 401 it is, not as a network failure.
            refused: dict[str, Any] = await page.evaluate(CALL, [endpoint, "nope"])
            assert refused.get("status") == 401, refused
            assert refused["body"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

            other = await browser.new_page()
            await other.goto(f"{elsewhere}/")
            blocked: dict[str, Any] = await other.evaluate(CALL, [endpoint, hub.web_key])
            assert "failed" in blocked, blocked
        finally:
            await browser.close()
    # The preflight itself, as the browser sends it.
    preflight = await asyncio.to_thread(
        httpx.options,
        endpoint,
        headers={
            "Origin": shop,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == shop
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
