"""profileChanged listens before it reads the profile: a change committed between the
subscription's read of the profile's version and its first wait on the feed is delivered, not
lost. The hub runs in the test's own process (uvicorn on a free port), so the test can land a
write exactly in that window: right after the subscription has read the profile."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
import websockets

from hub.app import create_app
from hub.broker import ProfileChange
from hub.profiles import service as profiles
from hub.settings import Settings
from tests.conftest import free_port
from tests.hub.test_realtime_e2e import _next_change

SUBSCRIBE = """subscription($id: ID!, $since: Int) {
  profileChanged(profileId: $id, sinceVersion: $since) { version kind summary } }"""
IDENTIFY = """mutation($e: String!) { identify(input: {identifiers: [{kind: EMAIL, value: $e}],
  touchpoint: WEB}) { profile { id version } } }"""
TRACK = """mutation($e: String!, $m: String!) { track(events: [{messageId: $m,
  identifier: {kind: EMAIL, value: $e}, type: VIEW, touchpoint: WEB}]) { accepted } }"""


@asynccontextmanager
async def _served(hub_database: tuple[str, dict[str, str]]) -> AsyncIterator[tuple[Any, int]]:
    """The hub in this process under uvicorn on a free port: (its Hub, the port)."""
    url, _ = hub_database
    app = create_app(Settings(database_url=url, retrain_on_start=False, rate_limits={}))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(200):  # uvicorn says it is up with a flag, not an event
            if server.started or serving.done():
                break
            await asyncio.sleep(0.05)
        assert server.started, "the in-process hub did not start"
        yield app.state.hub, port
    finally:
        server.should_exit = True
        await serving


async def _subscribed(ws: Any, key: str, profile_id: str) -> dict[str, Any]:
    """Signed in on the socket and subscribed to the profile since version 0: the RESYNC."""
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}})
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": SUBSCRIBE, "variables": {"id": profile_id, "since": 0}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    resync = await _next_change(ws)
    assert resync["kind"] == "RESYNC", resync
    return resync


async def test_a_change_between_the_read_and_the_feed_is_delivered(
    hub_database: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, keys = hub_database
    email = f"window-{uuid.uuid4().hex[:10]}@example.com"
    read_live = profiles.get_live
    landed: list[int] = []
    async with _served(hub_database) as (hub, port):

        async def read_then_write(session: Any, profile_id: str) -> Any:
            """The subscription's read of the profile, and then another client's write."""
            profile = await read_live(session, profile_id)
            if profile is not None and not landed:
                async with hub.db.sessions() as other:
                    versions = await profiles.touch_many(
                        other, [(profile_id, "WEB", "NOTE", "written meanwhile")]
                    )
                    await hub.broker.commit(other)
                landed.append(versions[profile_id])
            return profile

        admin = {"Authorization": f"Bearer {keys['admin']}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=admin) as http:
            made = await http.post("/graphql", json={"query": IDENTIFY, "variables": {"e": email}})
            profile = made.json()["data"]["identify"]["profile"]
            monkeypatch.setattr(profiles, "get_live", read_then_write)
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
            ) as ws:
                resync = await _subscribed(ws, keys["kiosk"], profile["id"])
                assert landed
                monkeypatch.setattr(profiles, "get_live", read_live)
                # A later write: a lost change then shows as this one coming next, not a hang.
                variables = {"e": email, "m": uuid.uuid4().hex}
                later = await http.post("/graphql", json={"query": TRACK, "variables": variables})
                assert later.json()["data"]["track"]["accepted"] == 1
                heard = await _next_change(ws)
                assert heard["summary"] == "written meanwhile", (
                    f"the change written after the read (version {landed[0]}) was lost: the "
                    f"RESYNC said version {resync['version']}, and then came {heard}"
                )
                assert heard["version"] == landed[0]


async def test_a_change_no_newer_than_the_version_read_is_not_delivered(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """A change committed just before the subscription may still reach its feed after the
    profile was read (on PostgreSQL every change comes back through LISTEN; seen in CI: the
    RESYNC said version 2, then came version 2 again). It is not new: only a later one is."""
    _, keys = hub_database
    email = f"stale-{uuid.uuid4().hex[:10]}@example.com"
    async with _served(hub_database) as (hub, port):
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=admin) as http:
            made = await http.post("/graphql", json={"query": IDENTIFY, "variables": {"e": email}})
            profile = made.json()["data"]["identify"]["profile"]
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
            ) as ws:
                resync = await _subscribed(ws, keys["kiosk"], profile["id"])
                assert resync["version"] == profile["version"]  # the feed is listening by now
                late = ProfileChange(profile["id"], profile["version"], "WEB", "IDENTIFIED", "late")
                hub.broker.dispatch([late])
                variables = {"e": email, "m": uuid.uuid4().hex}
                later = await http.post("/graphql", json={"query": TRACK, "variables": variables})
                assert later.json()["data"]["track"]["accepted"] == 1
                heard = await _next_change(ws)
                assert heard["kind"] == "EVENTS", heard
                assert heard["version"] == profile["version"] + 1
