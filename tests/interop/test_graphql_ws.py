"""The reference graphql-ws client (npm `graphql-ws` over `ws`, as a web team would use it)
against a real hub: a query and a mutation over the socket, a profileChanged subscription that
sees a change made over HTTP and is completed cleanly, a query on the same socket that reads
a change made over HTTP since its last one, and one subscription that outlives the hub being
restarted on the same port (the client's retry policy reconnects and re-subscribes).

graphql_ws_client.mjs is the client; this test is the rest of the world: it makes the changes
and restarts the hub when the script says so."""

from __future__ import annotations

import json
import time
from typing import Any, NoReturn

import pytest

from tests.conftest import HubHandle, start_hub, stop_hub, unique
from tests.hub.gql import ADD_NOTE, SET_PREFERENCES
from tests.hub.test_identity_e2e import identify
from tests.interop.node import NodeProcess

STEP_SECONDS = 15  # the longest any one step may take (the script's own limit per step)
RECONNECT_SECONDS = 40  # the client's retry budget across the restart
TOTAL_SECONDS = 120


def _log_tail(hubs: list[HubHandle], limit: int = 3000) -> str:
    text = "".join(h.log_path.read_text(errors="replace") for h in hubs if h.log_path)
    return text[-limit:] or "(empty)"


def _fail(client: NodeProcess, hubs: list[HubHandle], what: str) -> NoReturn:
    pytest.fail(f"{what}\n{client.transcript()}\nhub log (tail):\n{_log_tail(hubs)}", pytrace=False)


def _client_failed(client: NodeProcess, hubs: list[HubHandle], event: dict[str, Any]) -> NoReturn:
    error = json.dumps(event["error"])
    _fail(client, hubs, f"graphql-ws client failed at {event['step']!r}: {error}")


def _change_until_received(
    client: NodeProcess, hub: HubHandle, hubs: list[HubHandle], profile_id: str, label: str
) -> None:
    """Add a note over HTTP every half second until the script says a change reached it: the
    protocol has no acknowledgement of a subscribe, so the first note may come too early.
    Before the restart the change is a stated preference instead, which the script's next
    query on the same socket must read."""
    for attempt in range(STEP_SECONDS * 2):
        if label == "before restart":
            prefs = [{"key": "theme", "value": "vintage"}]
            body = hub.gql(
                SET_PREFERENCES,
                {"id": profile_id, "tp": "WEB", "prefs": prefs},
                key=hub.admin_key,
            )
            done = body.get("errors") is None and not body["data"]["setPreferences"]["userErrors"]
        else:
            body = hub.gql(
                ADD_NOTE,
                {"id": profile_id, "text": f"interop {label} {attempt}"},
                key=hub.admin_key,
            )
            done = body.get("errors") is None and not body["data"]["addNote"]["userErrors"]
        assert done, body
        deadline = time.monotonic() + 0.5
        while (left := deadline - time.monotonic()) > 0:
            event = client.next_event(left)
            if event is None:
                break
            if event["event"] == "received" and event["label"] == label:
                return
            if event["event"] == "failed":
                _client_failed(client, hubs, event)
    _fail(client, hubs, f"no profileChanged ({label}) reached the graphql-ws client")


def _drive(
    client: NodeProcess,
    hubs: list[HubHandle],
    database_url: str,
    keys: dict[str, str],
    profile_id: str,
) -> dict[str, Any]:
    while True:
        event = client.wait_for("subscribed", "restart", "result", timeout=TOTAL_SECONDS)
        match event["event"]:
            case "failed":
                _client_failed(client, hubs, event)
            case "subscribed":
                _change_until_received(client, hubs[-1], hubs, profile_id, event["label"])
            case "restart":
                old = hubs[-1]
                stop_hub(old)
                port = int(old.url.rsplit(":", 1)[1])
                hubs.append(start_hub(database_url, keys, port=port))
            case "result":
                return event


def _single_result(results: list[dict[str, Any]], what: str) -> dict[str, Any]:
    assert len(results) == 1, f"{what}: expected one result over the socket, got {results}"
    assert "errors" not in results[0], f"{what}: {results[0]}"
    data: dict[str, Any] = results[0]["data"]
    return data


def test_graphql_ws_client_subscribes_completes_and_reconnects(
    hub_database: tuple[str, dict[str, str]], hubs: list[HubHandle]
) -> None:
    database_url, keys = hub_database
    hubs.append(start_hub(database_url, keys))
    hub = hubs[0]
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]
    client = NodeProcess(
        "graphql_ws_client.mjs",
        {
            "url": hub.ws_url,
            "key": hub.kiosk_key,
            "profileId": profile["id"],
            "stepTimeoutMs": STEP_SECONDS * 1000,
            "reconnectTimeoutMs": RECONNECT_SECONDS * 1000,
            "totalTimeoutMs": TOTAL_SECONDS * 1000,
        },
    )
    try:
        result = _drive(client, hubs, database_url, keys, profile["id"])
    finally:
        client.stop()
    context = f"\n{client.transcript()}"

    query = next(e for e in client.events if e["event"] == "query")
    data = _single_result(query["results"], "query")
    assert data["profile"]["id"] == profile["id"] and len(data["products"]) == 2, context
    mutation = next(e for e in client.events if e["event"] == "mutation")
    payload = _single_result(mutation["results"], "mutation")["setPreferences"]
    assert payload["userErrors"] == [] and payload["profile"]["id"] == profile["id"], context

    first = result["firstChange"]
    assert first["profileId"] == profile["id"] and first["kind"] == "NOTE", context
    assert first["version"] > payload["profile"]["version"], context
    # Completed by the client: the subscription ends, the connection stays up and still serves.
    assert result["firstEnded"] == {"complete": True}, context
    after_complete = next(e for e in client.events if e["event"] == "after-complete")
    assert after_complete["connections"] == 1, "the complete cost the connection" + context
    _single_result(after_complete["results"], "query after complete")
    errors = [m for m in result["stray"] if m.get("type") == "error"]
    assert not errors, f"the server answered a complete with an error: {errors}" + context

    # Across the restart: a second connection, the subscription re-sent on it, a later change.
    assert result["connections"] == 2, context
    before, after = result["beforeRestart"], result["afterRestart"]
    assert before["kind"] == "PREFERENCES" and after["kind"] == "NOTE", context
    assert after["version"] > before["version"], context
    # A query on the socket after a change made over HTTP reads it: the socket's earlier query
    # did not leave its reads behind for the next one.
    seen = _single_result(result["afterChange"], "query after a change")["profile"]
    assert seen["version"] >= before["version"], context
    assert {"key": "theme", "value": "vintage"} in seen["preferences"], context
    assert _single_result(result["afterReconnect"], "query after reconnecting")["profile"], context

    log = _log_tail(hubs, limit=100_000)
    assert "Traceback" not in log, f"the hub logged an error:\n{log[-3000:]}"
