"""`rapport-hub serve --workers N`: N processes serve one store as one hub. A change committed
by any of them reaches every subscriber, whichever process holds its socket, in version order."""

from __future__ import annotations

import asyncio
import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.conftest import HubHandle, hub_command, start_hub, stop_hub, unique
from tests.hub.gql import TRACK
from tests.hub.test_identity_e2e import identify, some_skus, view
from tests.hub.test_realtime_e2e import _next_change, _open, _subscribe


def _track_on_a_new_connection(hub: HubHandle, events: list[dict[str, object]]) -> None:
    """One write on a connection of its own, so that the kernel hands writes to every worker."""
    response = httpx.post(
        f"{hub.url}/graphql",
        json={"query": TRACK, "variables": {"events": events}},
        headers={"Authorization": f"Bearer {hub.kiosk_key}"},
        timeout=30,
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_every_worker_hears_every_workers_changes(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    url, keys = hub_database
    hub = start_hub(url, keys, workers=2)
    try:
        email = f"{unique()}@example.com"
        profile = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
        sku = some_skus(hub, 1)[0]
        writes = 40
        sockets = [await _open(hub, hub.admin_key) for _ in range(4)]  # on both workers
        try:
            for ws in sockets:
                await _subscribe(ws, profile["id"])
            await asyncio.sleep(0.3)
            batches = [[view(unique("m"), "EMAIL", email, sku, "KIOSK")] for _ in range(writes)]
            loop = asyncio.get_running_loop()
            with ThreadPoolExecutor(max_workers=4) as pool:
                await loop.run_in_executor(
                    None,
                    lambda: list(pool.map(lambda b: _track_on_a_new_connection(hub, b), batches)),
                )
            heard = [[(await _next_change(ws))["version"] for _ in range(writes)] for ws in sockets]
        finally:
            for ws in sockets:
                await ws.close()
    finally:
        stop_hub(hub)
    expected = list(range(profile["version"] + 1, profile["version"] + 1 + writes))
    for versions in heard:
        assert versions == expected, [v for a, v in itertools.pairwise(versions) if v < a]


async def test_an_import_beside_a_serving_hub_reaches_its_subscribers(
    hub: HubHandle, tmp_path: Path
) -> None:
    """`rapport-hub import`, another process, writes to the store the hub serves: an agent's
    open screen hears it (on PostgreSQL by NOTIFY, on SQLite through the change journal)."""
    loyalty = unique("IMPW").upper()
    profile = identify(hub, hub.web_key, "WEB", ("LOYALTY_ID", loyalty))["profile"]
    sku = some_skus(hub, 1)[0]
    path = tmp_path / "events.ndjson"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "messageId": unique("impw"),
                    "identifier": {"kind": "LOYALTY_ID", "value": loyalty},
                    "type": "VIEW",
                    "touchpoint": "STORE",
                    "productSku": sku,
                }
            )
            for _ in range(3)
        )
        + "\n"
    )
    ws = await _open(hub, hub.admin_key)
    try:
        await _subscribe(ws, profile["id"])
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        done = await loop.run_in_executor(
            None, lambda: hub_command(hub.database_url, "import", str(path), check=False)
        )
        assert done.returncode == 0, done.stderr
        change = await _next_change(ws)
    finally:
        await ws.close()
    assert change["profileId"] == profile["id"]
    assert change["kind"] == "EVENTS" and change["version"] > profile["version"]
