"""Helpers for the kiosk's browser tests: servers, hub calls, shoppers, screenshots."""

from __future__ import annotations

import inspect
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.conftest import drama_phone

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
# A full address or number on screen: anything@domain with more than one visible local letter,
# or a run of 7+ digits (UK numbers are 10-11 digits).
FULL_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{2,}@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
FULL_PHONE = re.compile(r"(?:\+\d{1,3} ?)?(?:\d ?){9,}\d")


@dataclass
class KioskServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_kiosk(hub: Any, name: str, *extra: str) -> KioskServer:
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"{name}.log"
    # The key goes by environment, as in production, not on a command line others can read.
    env = {**os.environ, "RAPPORT_HUB_URL": hub.url, "RAPPORT_KIOSK_KEY": hub.kiosk_key}
    cmd = [sys.executable, "-m", "clients.kiosk.app", "--port", str(port), *extra]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kiosk exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return KioskServer(url=url, process=process, log=log)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("kiosk did not start in 20 s")


def stop_kiosk(server: KioskServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


async def gql(
    hub: Any, query: str, variables: dict[str, Any] | None = None, key: str | None = None
) -> dict[str, Any]:
    """The hub fixture's `gql`, awaited if it is a coroutine; returns the `data` part."""
    result = hub.gql(query, variables, key=key)
    if inspect.isawaitable(result):
        result = await result
    if (
        isinstance(result, dict)
        and "data" in result
        and set(result) <= {"data", "errors", "extensions"}
    ):
        assert not result.get("errors"), result["errors"]
        return dict(result["data"] or {})
    return dict(result)


async def shoot(page: Page, name: str, focus: str | None = None) -> list[Path]:
    """Screenshots in portrait and landscape; the page text must hold no full contact data.

    `focus` (a selector) is scrolled to the top of each screen first, for a part further down.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    paths = []
    for label, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        await page.set_viewport_size(size)
        if focus:
            await page.locator(focus).evaluate("el => el.scrollIntoView({block: 'start'})")
        path = ARTIFACTS / f"kiosk-{name}-{label}.png"
        await page.screenshot(path=str(path), full_page=False)
        paths.append(path)
    await page.set_viewport_size(PORTRAIT)
    assert_no_contact_data(await page.inner_text("body"))
    return paths


def assert_no_contact_data(text: str) -> None:
    assert not FULL_EMAIL.search(text), (
        f"a full email address is on screen: {FULL_EMAIL.search(text)}"
    )
    assert not FULL_PHONE.search(text), (
        f"a full phone number is on screen: {FULL_PHONE.search(text)}"
    )


@dataclass
class Shopper:
    profile_id: str
    first_name: str
    loyalty_id: str
    email: str
    phone: str


IDENTIFY = """
mutation($input: IdentifyInput!) {
  identify(input: $input) { profile { id } userErrors { field code message } }
}
"""


async def make_shopper(hub: Any, first_name: str = "Anna") -> Shopper:
    """A known customer with a loyalty card and made-up contacts (example.com, 07700 900xxx)."""
    phone = drama_phone()
    n = phone[-3:]
    tag = os.urandom(3).hex()
    shopper = Shopper(
        profile_id="",
        first_name=first_name,
        loyalty_id=f"KT{tag.upper()}{n}",
        email=f"{first_name.lower()}.{tag}@example.com",
        phone=phone,
    )
    data = await gql(
        hub,
        IDENTIFY,
        {
            "input": {
                "identifiers": [
                    {"kind": "LOYALTY_ID", "value": shopper.loyalty_id},
                    {"kind": "EMAIL", "value": shopper.email},
                    {"kind": "PHONE", "value": shopper.phone},
                ],
                "traits": {"firstName": first_name, "lastName": "Kiosktest"},
                "touchpoint": "STORE",
            }
        },
        key=hub.admin_key,
    )
    assert not data["identify"]["userErrors"], data["identify"]["userErrors"]
    shopper.profile_id = data["identify"]["profile"]["id"]
    return shopper


async def identify_at_kiosk(page: Page, kiosk: KioskServer, loyalty_id: str) -> None:
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("identify-input").fill(loyalty_id)
    await page.get_by_test_id("identify-submit").click()
    await page.get_by_test_id("greeting").wait_for()


MESSAGES = "query($id: ID) { profile(id: $id) { messages(first: 5) { body createdAt } } }"


async def code_from_outbox(hub: Any, shopper: Shopper) -> str:
    """In dev the code is read from the hub's outbox, as an agent would see it."""
    data = await gql(hub, MESSAGES, {"id": shopper.profile_id}, key=hub.agent_token())
    bodies = [m["body"] for m in data["profile"]["messages"] or []]
    codes = [m.group(0) for b in bodies if (m := re.search(r"\b\d{6}\b", b))]
    assert codes, bodies
    return codes[0]


async def open_ledger(
    page: Page, kiosk: KioskServer, hub: Any, shopper: Shopper, *, signed_in: bool = False
) -> None:
    """Sign in with the loyalty card (unless this visit already has) and redeem the code."""
    if not signed_in:
        await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.get_by_test_id("ledger-link").click()
    await page.get_by_test_id("code-request").click()
    await expect(page.get_by_test_id("code-input")).to_be_visible()
    await page.get_by_test_id("code-input").fill(await code_from_outbox(hub, shopper))
    await page.get_by_test_id("code-submit").click()
    await expect(page.get_by_test_id("ledger")).to_be_visible()
