"""Two hub replicas on one PostgreSQL database: a change made through one reaches a subscriber
of the other (LISTEN/NOTIFY). Collected only in the PostgreSQL run (tests/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import websockets

from tests.conftest import HubHandle, start_hub, stop_hub, unique
from tests.hub.test_identity_e2e import identify, some_skus, track, view
from tests.hub.test_realtime_e2e import _next_change, _open, _subscribe


@pytest.fixture(scope="module")
def second_replica(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    url, keys = hub_database
    handle = start_hub(url, keys)
    yield handle
    stop_hub(handle)


async def test_a_change_on_one_replica_reaches_subscribers_of_another(
    hub: HubHandle, second_replica: HubHandle
) -> None:
    assert hub.url != second_replica.url
    email = f"{unique()}@example.com"
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
    ws = await _open(second_replica, second_replica.kiosk_key)
    try:
        await _subscribe(ws, profile["id"])
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        sku = some_skus(hub, 1)[0]
        await loop.run_in_executor(
            None, lambda: track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, sku, "WEB")])
        )
        change = await _next_change(ws)
        assert loop.time() - started < 1.0
        assert change["profileId"] == profile["id"] and change["kind"] == "EVENTS"
    finally:
        await ws.close()


async def test_a_refused_write_notifies_nobody(hub: HubHandle, second_replica: HubHandle) -> None:
    email = f"{unique()}@example.com"
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
    ws = await _open(second_replica, second_replica.kiosk_key)
    try:
        await _subscribe(ws, profile["id"])
        await asyncio.sleep(0.3)
        bad = hub.gql(
            """mutation($id: ID!) { setPreferences(profileId: $id, touchpoint: WEB,
          preferences: [{key: "theme", value: "vintage"}, {key: "product", value: "NOPE"}])
          { userErrors { code } } }""",
            {"id": profile["id"]},
        )
        assert bad["data"]["setPreferences"]["userErrors"][0]["code"] == "NOT_FOUND"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 1.0)
    except websockets.ConnectionClosed:
        raise
    finally:
        await ws.close()
