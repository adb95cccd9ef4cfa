"""The live feed survives a hub restart: the profile screen reconnects by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from clients.callcenter.widgets.profile_panels import Timeline
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, wait_for
from tests.conftest import scratch
from tests.pg import free_port

pytestmark = pytest.mark.tui

BIN = Path(sys.executable).parent
TRACK = "mutation($e: [EventInput!]!) { track(events: $e) { accepted userErrors { message } } }"


class OwnHub:
    """A second hub process on the test database, on a port that stays the same on restart."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = scratch("cc-hub-") / "hub.log"

    def start(self) -> None:
        env = {**os.environ, "RAPPORT_DATABASE_URL": self.database_url}
        command = [str(BIN / "rapport-hub"), "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "warning"]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=out)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"hub did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


async def test_live_feed_reconnects_after_a_hub_restart(hub: Any) -> None:
    stored, spoken = drama_number()
    await make_caller(hub, "Juno", f"Restart{uuid.uuid4().hex[:6]}", phone=stored)
    products = (await gql(hub, "query { products(first: 2) { sku } }"))["products"]
    own = OwnHub(hub.database_url)
    own.start()
    try:
        app = make_app(hub, caller=spoken, url=own.url)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
            screen = app.screen
            assert isinstance(screen, ProfileScreen)

            def badge() -> str:
                return next((b.state for b in screen.query(LiveBadge)), "")

            await wait_for(pilot, lambda: badge() == "live", what="live feed")
            own.stop()
            await wait_for(pilot, lambda: badge() == "down", what="the drop to show")
            own.start()
            await wait_for(pilot, lambda: badge() == "live", within=15, what="reconnection")
            timeline = screen.query_one(Timeline)
            before = len(timeline.live_changes)
            event = {
                "messageId": f"kiosk-{uuid.uuid4()}",
                "identifier": {"kind": "PHONE", "value": stored},
                "type": "VIEW",
                "touchpoint": "KIOSK",
                "productSku": products[-1]["sku"],
            }
            own_hub = type("Hub", (), {"url": own.url, "admin_key": hub.admin_key})()
            await gql(own_hub, TRACK, {"e": [event]}, key=hub.kiosk_key)
            await wait_for(
                pilot, lambda: len(timeline.live_changes) > before, within=3, what="event"
            )
    finally:
        own.stop()
