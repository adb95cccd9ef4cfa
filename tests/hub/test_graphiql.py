"""GraphiQL at /graphiql: served by the hub itself (nothing from the internet), key typed in."""

from __future__ import annotations

import os

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from hub.app import create_app
from hub.settings import Settings
from tests.conftest import HubHandle
from tests.kiosk.support import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def test_the_page_and_its_scripts_come_from_the_hub_with_a_strict_policy(hub: HubHandle) -> None:
    page = httpx.get(f"{hub.url}/graphiql")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "http" not in page.text.replace('"/static/', ""), "no address outside the hub"
    script = httpx.get(f"{hub.url}/static/graphiql/graphiql.min.js")
    assert script.status_code == 200 and len(script.content) > 1_000_000
    # The page is not a way around the key: /graphql still wants one.
    assert httpx.post(f"{hub.url}/graphql", json={"query": "{ __typename }"}).status_code == 401


async def test_graphiql_can_be_switched_off(tmp_path: os.PathLike[str]) -> None:
    async def status(settings: Settings, path: str) -> int:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return (await client.get(path)).status_code

    off = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/off.db", graphiql=False)
    assert await status(off, "/graphiql") == 404
    assert await status(off, "/static/graphiql/graphiql.min.js") == 404
    production = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/prod.db", env="production")
    assert await status(production, "/graphiql") == 404
    on = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/on.db", env="production", graphiql=True
    )
    assert await status(on, "/graphiql") == 200


async def test_a_developer_runs_a_query_with_their_key(hub: HubHandle) -> None:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once, before the browser starts
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    query = "{ products(first: 2) { sku name } }"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            outside: list[str] = []
            problems: list[str] = []
            page.on(
                "request",
                lambda r: None if r.url.startswith(hub.url) else outside.append(r.url),
            )
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            await page.goto(f"{hub.url}/graphiql?query={query}")
            await expect(page.locator(".graphiql-container")).to_be_visible(timeout=15_000)

            headers = page.locator(".graphiql-editor-tool .graphiql-editor").last
            await headers.click()
            await page.keyboard.press("Control+A")
            await page.keyboard.type(f'{{"Authorization": "Bearer {hub.admin_key}"}}')
            await page.locator(".graphiql-execute-button").click()
            result = page.locator(".result-window")
            await expect(result).to_contain_text('"products"', timeout=15_000)
            await expect(result).to_contain_text('"sku"')
            await page.screenshot(path="test-artifacts/graphiql.png")
            assert not outside, outside
            assert not problems, problems
        finally:
            await browser.close()
