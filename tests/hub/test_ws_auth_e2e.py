"""A WebSocket opened with a key or token keeps no power after that key or token ends: every
query and mutation sent on it later is refused (within RAPPORT_AUTH_CACHE_SECONDS)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websockets

from tests.conftest import HubHandle, hub_command, running_hub, unique
from tests.hub.test_auth_e2e import LOGOUT, _login
from tests.hub.test_identity_e2e import identify

CACHE_SECONDS = 0.5
QUERY = "{ products(first: 1) { sku } }"
MINT_KEY = (
    'mutation { createApiKey(channel: WEB, name: "from-a-socket") { key userErrors { code } } }'
)
ADD_NOTE = """mutation($id: ID!) { addNote(profileId: $id, text: "left on an old socket") {
  userErrors { code } } }"""
SUBSCRIBE = "subscription($id: ID!) { profileChanged(profileId: $id) { version } }"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def quick_hub(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    """A hub that forgets who a credential belongs to after half a second."""
    url, keys = hub_database
    with running_hub(url, keys, RAPPORT_AUTH_CACHE_SECONDS=str(CACHE_SECONDS)) as handle:
        yield handle


async def _open(hub: HubHandle, credential: str) -> Any:
    ws = await websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"])
    await ws.send(
        json.dumps(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {credential}"}}
        )
    )
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    return ws


async def _run(ws: Any, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One query or mutation over the socket: its data and errors, as over HTTP."""
    op = str(next(_ids))
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") != op:
            assert message["type"] in ("ping", "pong", "complete"), message
            continue
        if message["type"] == "error":
            return {"data": None, "errors": message["payload"]}
        assert message["type"] == "next", message
        result: dict[str, Any] = message["payload"]
        return result


def _refused(result: dict[str, Any]) -> bool:
    errors = result.get("errors") or []
    return (
        result.get("data") is None
        and len(errors) == 1
        and errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    )


def _key_id(hub: HubHandle, name: str) -> int:
    listing = hub_command(hub.database_url, "keys", "list").stdout
    rows = [line.split("\t") for line in listing.splitlines()]
    return next(int(row[0]) for row in rows if row[2] == name)


async def _in_thread(work: Callable[[], object]) -> None:
    await asyncio.get_running_loop().run_in_executor(None, work)


async def test_a_revoked_admin_key_loses_its_open_socket(quick_hub: HubHandle) -> None:
    name = unique("socket-admin-")
    key = hub_command(
        quick_hub.database_url, "keys", "create", "--channel", "admin", "--name", name
    ).stdout.strip()
    ws = await _open(quick_hub, key)
    try:
        assert (await _run(ws, QUERY))["data"]["products"]
        assert (await _run(ws, MINT_KEY))["data"]["createApiKey"]["key"].startswith("rk_web_")
        await _in_thread(
            lambda: hub_command(
                quick_hub.database_url, "keys", "revoke", str(_key_id(quick_hub, name))
            )
        )
        await asyncio.sleep(CACHE_SECONDS * 2)
        query = await _run(ws, QUERY)
        assert _refused(query), query
        minted = await _run(ws, MINT_KEY)
        assert _refused(minted), "a revoked admin key mints no more keys"
    finally:
        await ws.close()


async def test_a_running_subscription_ends_within_the_cache_period_of_a_revoke_elsewhere(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """The worst case: the key's answer is read from the database just before the revoke (by
    another request), and the subscription's check falls just before that answer expires.
    Checking once a cache period on the cached answer ended the feed up to two periods after
    the revoke; the Security table promises one."""
    import time

    import httpx

    from hub.auth.service import revoke_key
    from hub.db import Database

    cache = 3.0
    url, keys = hub_database
    name = unique("revoked-midfeed-")
    key = hub_command(url, "keys", "create", "--channel", "admin", "--name", name).stdout.strip()
    with running_hub(url, keys, RAPPORT_AUTH_CACHE_SECONDS=str(cache)) as hub:
        pid = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"][
            "id"
        ]
        key_id = _key_id(hub, name)
        database = Database(url)
        ws = await _open(hub, key)  # the key read from the database now: remembered for 3 s
        opened = time.monotonic()
        try:
            await asyncio.sleep(cache - 0.3 - (time.monotonic() - opened))
            payload = {"query": SUBSCRIBE, "variables": {"id": pid}}
            await ws.send(json.dumps({"id": "feed", "type": "subscribe", "payload": payload}))
            await asyncio.sleep(cache + 0.2 - (time.monotonic() - opened))
            async with httpx.AsyncClient() as client:  # read again: remembered 3 s from now
                answer = await client.post(
                    f"{hub.url}/graphql",
                    json={"query": "{ __typename }"},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert answer.status_code == 200, answer.text
            async with database.sessions() as session:
                assert await revoke_key(session, key_id)  # as another hub would
                await session.commit()
            revoked = time.monotonic()
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 4 * cache))
                if message.get("id") == "feed" and message["type"] in ("next", "error"):
                    break
            ended = time.monotonic() - revoked
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", message
            assert ended <= cache + 0.5, f"the feed ran {ended:.1f} s after the revoke"
        finally:
            await ws.close()
            await database.dispose()


def _agent(hub: HubHandle) -> tuple[str, str]:
    username, password = unique("agent."), "socket-pass-1"
    hub_command(
        hub.database_url, "agents", "create", "--username", username, "--password", password
    )
    return username, password


def _sign_out(hub: HubHandle, username: str, token: str) -> None:
    assert hub.gql(LOGOUT, key=token)["data"]["agentLogout"]["signedOut"]


def _reset_password(hub: HubHandle, username: str, token: str) -> None:
    hub_command(
        hub.database_url, "agents", "create", "--username", username, "--password", "new-pass-22"
    )


def _disable(hub: HubHandle, username: str, token: str) -> None:
    hub_command(hub.database_url, "agents", "disable", "--username", username)


@pytest.mark.parametrize("end", [_sign_out, _reset_password, _disable], ids=lambda f: f.__name__)
async def test_an_agent_session_ended_elsewhere_ends_on_the_socket(
    quick_hub: HubHandle, end: Callable[[HubHandle, str, str], None]
) -> None:
    profile = identify(quick_hub, quick_hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))
    pid = profile["profile"]["id"]
    username, password = _agent(quick_hub)
    token = _login(quick_hub, username, password)
    ws = await _open(quick_hub, token)
    try:
        assert (await _run(ws, QUERY))["data"]["products"]
        note = await _run(ws, ADD_NOTE, {"id": pid})
        assert note["data"]["addNote"]["userErrors"] == []
        await _in_thread(lambda: end(quick_hub, username, token))
        await asyncio.sleep(CACHE_SECONDS * 2)
        assert _refused(await _run(ws, QUERY))
        assert _refused(await _run(ws, ADD_NOTE, {"id": pid}))
        assert _refused(await _run(ws, SUBSCRIBE, {"id": pid})), "no new live feed either"
    finally:
        await ws.close()


async def test_signing_out_on_the_socket_ends_it_at_once(quick_hub: HubHandle) -> None:
    username, password = _agent(quick_hub)
    token = _login(quick_hub, username, password)
    ws = await _open(quick_hub, token)
    try:
        out = await _run(ws, LOGOUT)
        assert out["data"]["agentLogout"] == {"signedOut": True, "userErrors": []}
        assert _refused(await _run(ws, QUERY)), "no cache window for the socket that signed out"
    finally:
        await ws.close()


async def test_an_expired_token_ends_on_the_socket(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    url, keys = hub_database
    with running_hub(url, keys, RAPPORT_AGENT_TOKEN_TTL_SECONDS="3") as short:
        username, password = _agent(short)
        token = _login(short, username, password)
        ws = await _open(short, token)
        try:
            assert (await _run(ws, QUERY))["data"]["products"]
            await asyncio.sleep(3.5)
            assert _refused(await _run(ws, QUERY))
        finally:
            await ws.close()


async def test_a_live_key_keeps_working_on_its_socket(quick_hub: HubHandle) -> None:
    ws = await _open(quick_hub, quick_hub.kiosk_key)
    try:
        for _ in range(3):
            assert (await _run(ws, QUERY))["data"]["products"]
            await asyncio.sleep(CACHE_SECONDS)
    finally:
        await ws.close()
