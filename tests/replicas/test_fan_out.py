"""Two hub replicas on one PostgreSQL database: a change made through one reaches a subscriber
of the other (LISTEN/NOTIFY). Collected only in the PostgreSQL run (tests/conftest.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import websockets

from tests.conftest import HubHandle, hub_command, unique
from tests.hub.test_identity_e2e import identify, some_skus, track, view
from tests.hub.test_import import _line
from tests.hub.test_realtime_e2e import _next_change, _open, _subscribe


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


async def test_an_import_run_by_an_operator_reaches_every_replicas_subscribers(
    hub: HubHandle, second_replica: HubHandle, tmp_path: Path
) -> None:
    """`rapport-hub import` is a process of its own; on PostgreSQL its chunks NOTIFY too."""
    loyalty = unique("LIVEIMP").upper()
    first = identify(hub, hub.kiosk_key, "KIOSK", ("LOYALTY_ID", loyalty))["profile"]
    skus = some_skus(hub, 2)
    path = tmp_path / "events.ndjson"
    path.write_text(
        "\n".join(
            _line(unique("live-"), loyalty, kind, sku)
            for kind, sku in (("VIEW", skus[0]), ("ADD_TO_CART", skus[1]))
        )
        + "\n"
    )
    sockets = [await _open(h, h.kiosk_key) for h in (hub, second_replica)]
    try:
        for ws in sockets:
            await _subscribe(ws, first["id"])
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        done = await loop.run_in_executor(
            None, lambda: hub_command(hub.database_url, "import", str(path))
        )
        assert "2 events stored" in done.stdout + done.stderr, done
        for ws in sockets:
            change = await _next_change(ws)
            assert change["profileId"] == first["id"] and change["kind"] == "EVENTS"
            assert "Added to basket" in change["summary"]
    finally:
        for ws in sockets:
            await ws.close()
