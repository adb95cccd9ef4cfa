"""A real kiosk server (uvicorn, own process) in front of the real hub, and headless Chromium.

Chromium is Debian's (`apt-get install -y chromium`); Playwright's own browser download does
not work here and is not needed.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from tests.kiosk.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PORTRAIT,
    KioskServer,
    start_kiosk,
    stop_kiosk,
)


@pytest.fixture(scope="session")
def kiosk(hub: Any) -> Iterator[KioskServer]:
    server = start_kiosk(hub, "kiosk")
    yield server
    stop_kiosk(server)


@pytest.fixture(scope="session")
def quick_kiosk(hub: Any) -> Iterator[KioskServer]:
    """A kiosk whose idle timer runs out in seconds, for the shared-screen tests."""
    # Long enough a prompt that a loaded CI machine still answers "still here" in time.
    server = start_kiosk(hub, "kiosk-quick", "--idle-seconds", "2", "--prompt-seconds", "5")
    yield server
    stop_kiosk(server)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once per session, before any page
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport=PORTRAIT)
    ctx.set_default_timeout(10_000)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A page that fails its test on any script error or console error (CSP included)."""
    new = await context.new_page()
    problems: list[str] = []
    new.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def on_console(msg: ConsoleMessage) -> None:
        # A refused form (422) and the out-of-service page (503) are deliberate statuses;
        # Chromium logs them as console errors.
        deliberate = ("status of 422", "status of 503")
        if msg.type == "error" and not any(d in msg.text for d in deliberate):
            problems.append(f"console: {msg.text}")

    new.on("console", on_console)
    yield new
    assert not problems, problems
