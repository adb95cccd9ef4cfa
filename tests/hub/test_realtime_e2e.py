"""profileChanged over graphql-transport-ws: a change made by one client reaches another."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import pytest
import websockets

from tests.conftest import HubHandle, unique
from tests.hub.test_identity_e2e import identify, some_skus, track, view

SUBSCRIBE = """subscription($id: ID!) { profileChanged(profileId: $id) {
  profileId version touchpoint kind summary } }"""


async def _open(hub: HubHandle, key: str) -> Any:
    ws = await websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"])
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}})
    )
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack"
    return ws


async def _subscribe(ws: Any, profile_id: str) -> None:
    message = {"query": SUBSCRIBE, "variables": {"id": profile_id}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": message}))


async def _next_change(ws: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["type"] == "next":
            change: dict[str, Any] = message["payload"]["data"]["profileChanged"]
            return change
        assert message["type"] in ("ping", "pong"), message


async def test_subscriber_sees_another_clients_changes(hub: HubHandle) -> None:
    email = f"{unique()}@example.com"
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
    ws = await _open(hub, hub.kiosk_key)
    try:
        await _subscribe(ws, profile["id"])
        await asyncio.sleep(0.3)  # let the subscription register before the write
        sku = some_skus(hub, 1)[0]
        loop = asyncio.get_running_loop()
        started = loop.time()
        await loop.run_in_executor(
            None, lambda: track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, sku, "WEB")])
        )
        change = await _next_change(ws)
        assert loop.time() - started < 1.0, "well under a second, end to end"
        assert change["profileId"] == profile["id"]
        assert change["kind"] == "EVENTS" and change["touchpoint"] == "WEB"
        assert change["summary"].startswith("Viewed ")
        assert change["version"] > profile["version"]

        agent = hub.agent_token()
        await loop.run_in_executor(
            None,
            lambda: hub.gql(
                'mutation($id:ID!){addNote(profileId:$id,text:"Prefers calls after 5pm")'
                "{userErrors{code}}}",
                {"id": profile["id"]},
                key=agent,
            ),
        )
        second = await _next_change(ws)
        assert second["kind"] == "NOTE" and second["touchpoint"] == "CALL_CENTER"
    finally:
        await ws.close()


async def test_socket_without_a_valid_key_is_refused(hub: HubHandle) -> None:
    ws = await websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer x"}}))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_subscribing_to_an_unknown_profile_errors(hub: HubHandle) -> None:
    ws = await _open(hub, hub.web_key)
    try:
        await _subscribe(ws, "nope")
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    finally:
        await ws.close()


async def test_a_live_feed_ends_when_the_agent_signs_out(hub: HubHandle) -> None:
    from tests.hub.test_auth_e2e import LOGOUT, _login

    email = f"{unique()}@example.com"
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
    token = _login(hub, hub.agent_username, hub.agent_password)
    ws = await _open(hub, token)
    try:
        await _subscribe(ws, profile["id"])
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        sku = some_skus(hub, 1)[0]
        await loop.run_in_executor(
            None, lambda: track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, sku, "WEB")])
        )
        assert (await _next_change(ws))["kind"] == "EVENTS"
        await loop.run_in_executor(None, lambda: hub.gql(LOGOUT, key=token))
        await loop.run_in_executor(
            None, lambda: track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, sku, "WEB")])
        )
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if message["type"] in ("ping", "pong"):
                continue
            break
        # The feed's last word is the error, then it completes: no change reaches a signed-out
        # agent.
        assert message["type"] == "next" and message["payload"]["data"] is None, message
        error = message["payload"]["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert error["message"] == "Your sign-in has ended."
        done = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert done == {"id": "1", "type": "complete"}
    finally:
        await ws.close()


async def test_a_feed_completes_after_its_profile_is_erased(hub: HubHandle) -> None:
    """ERASED is a profile's last change: its feed says so and completes, and the socket goes on
    serving (nothing is left open waiting for a profile that no longer exists)."""
    from tests.hub.test_consent_e2e import ERASE

    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]
    ws = await _open(hub, hub.kiosk_key)
    try:
        await _subscribe(ws, profile["id"])
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        erased = await loop.run_in_executor(None, lambda: hub.gql(ERASE, {"id": profile["id"]}))
        assert erased["data"]["eraseProfile"]["erased"] is True
        change = await _next_change(ws)
        assert (change["profileId"], change["kind"]) == (profile["id"], "ERASED")
        done = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert done == {"id": "1", "type": "complete"}
        query = {"query": "{ __typename }"}
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": query}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer == {"id": "2", "type": "next", "payload": {"data": {"__typename": "Query"}}}
    finally:
        await ws.close()


async def test_racing_writers_are_heard_in_version_order(hub: HubHandle) -> None:
    """Eight kiosks writing to one shopper at once: the subscriber hears every version, each
    once and in order (a client tells a missed change by a gap in the versions)."""
    from concurrent.futures import ThreadPoolExecutor

    email = f"{unique()}@example.com"
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
    sku = some_skus(hub, 1)[0]
    writes = 120
    ws = await _open(hub, hub.admin_key)
    try:
        await _subscribe(ws, profile["id"])
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        one = [[view(unique("m"), "EMAIL", email, sku, "KIOSK")] for _ in range(writes)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            await loop.run_in_executor(
                None, lambda: list(pool.map(lambda b: track(hub, hub.kiosk_key, b), one))
            )
        heard = [(await _next_change(ws))["version"] for _ in range(writes)]
    finally:
        await ws.close()
    assert heard == sorted(heard), [v for a, v in itertools.pairwise(heard) if v < a]
    assert heard == list(range(profile["version"] + 1, profile["version"] + 1 + writes))
