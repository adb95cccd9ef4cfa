"""Helpers for driving `rapport-callcenter` with `App.run_test()` against the real hub."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from textual.app import App
from textual.css.query import NoMatches
from textual.pilot import Pilot

from clients.callcenter.api import HubClient
from clients.callcenter.app import CallCenterApp
from clients.callcenter.options import Options
from tests.conftest import drama_phone

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

IDENTIFY = """
mutation($input: IdentifyInput!) {
  identify(input: $input) { profile { id } merged userErrors { field code message } }
}
"""


async def gql(
    hub: Any, query: str, variables: dict[str, Any] | None = None, key: str | None = None
) -> dict[str, Any]:
    """Like `hub.gql`, but without blocking the event loop the app under test runs on."""
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{hub.url}/graphql",
            headers={"Authorization": f"Bearer {key or hub.admin_key}"},
            json={"query": query, "variables": variables or {}},
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def drama_number() -> tuple[str, str]:
    """A UK drama number (07700 900xxx), as stored (E.164) and as a caller would say it."""
    spoken = drama_phone()
    return "+44" + spoken[1:].replace(" ", ""), spoken


async def make_caller(
    hub: Any, first: str, last: str, title: str | None = None, **identifiers: str
) -> str:
    """A customer known to the hub through the web touchpoint; returns the profile id."""
    ids = [{"kind": kind.upper(), "value": value} for kind, value in identifiers.items()]
    traits = {"firstName": first, "lastName": last} | ({"title": title} if title else {})
    data = await gql(
        hub,
        IDENTIFY,
        {
            "input": {
                "identifiers": ids,
                "traits": traits,
                "touchpoint": "WEB",
            }
        },
        key=hub.web_key,
    )
    payload = data["identify"]
    assert not payload["userErrors"], payload["userErrors"]
    return str(payload["profile"]["id"])


def make_app(
    hub: Any,
    *,
    sign_in: bool = True,
    caller: str | None = None,
    key: str | None = None,
    url: str | None = None,
    export_dir: str = ".",
    transport: httpx.AsyncBaseTransport | None = None,
) -> CallCenterApp:
    """The agent desktop on `hub`, signed in unless told not to; `transport`, a hub that
    misbehaves on purpose (slow, timing out once)."""
    url = url or hub.url
    key = key or hub.callcenter_key
    options = Options(
        hub_url=url,
        key=key,
        username=hub.agent_username if sign_in else None,
        password=hub.agent_password if sign_in else None,
        caller=caller,
        export_dir=export_dir,
    )
    return CallCenterApp(HubClient(url, key, transport=transport), options)


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], Any], within: float = 10.0, what: str = "condition"
) -> float:
    """Let the app run until `condition()` holds; returns the seconds it took."""
    started = time.monotonic()
    while not _holds(condition):
        if time.monotonic() - started > within:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await pilot.pause(0.02)
    return time.monotonic() - started


def _holds(condition: Callable[[], Any]) -> bool:
    try:
        return bool(condition())
    except NoMatches:  # the screen is still composing
        return False


def screen_name(app: App[Any]) -> str:
    return type(app.screen).__name__


async def save_svg(pilot: Pilot[Any], name: str) -> Path:
    """An SVG screenshot in test-artifacts/, once the footer has redrawn its keys."""
    await pilot.pause(0.3)
    ARTIFACTS.mkdir(exist_ok=True)
    return Path(pilot.app.save_screenshot(f"{name}.svg", path=str(ARTIFACTS)))
