"""profileChanged listens before it reads the profile: a change committed between the
subscription's read of the profile's version and its first wait on the feed is delivered, not
lost. The hub runs in the test's own process (uvicorn on a free port), so the test can land a
write exactly in that window: right after the subscription has read the profile."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import uvicorn
import websockets

from hub.app import create_app
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


async def test_a_change_between_the_read_and_the_feed_is_delivered(
    hub_database: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, keys = hub_database
    app = create_app(Settings(database_url=url, retrain_on_start=False, rate_limits={}))
    hub = app.state.hub
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"
        )
    )
    serving = asyncio.create_task(server.serve())
    email = f"window-{uuid.uuid4().hex[:10]}@example.com"
    read_live = profiles.get_live
    landed: list[int] = []

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

    try:
        for _ in range(200):  # uvicorn says it is up with a flag, not an event
            if server.started or serving.done():
                break
            await asyncio.sleep(0.05)
        assert server.started, "the in-process hub did not start"
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=admin) as http:
            made = await http.post("/graphql", json={"query": IDENTIFY, "variables": {"e": email}})
            profile = made.json()["data"]["identify"]["profile"]
            monkeypatch.setattr(profiles, "get_live", read_then_write)
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
            ) as ws:
                init = {"authorization": f"Bearer {keys['kiosk']}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": init}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                variables = {"id": profile["id"], "since": 0}
                payload = {"query": SUBSCRIBE, "variables": variables}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                resync = await _next_change(ws)
                assert resync["kind"] == "RESYNC" and landed
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
    finally:
        server.should_exit = True
        await serving
