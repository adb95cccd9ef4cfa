"""Apollo Client and urql, as a web team installs them, against a real hub (standard_clients.mjs).

Both add `__typename` to every selection set and send operation names; Apollo normalises what
it reads by `__typename` and `id` and updates a cached query from a mutation's answer, and its
PersistedQueryLink sends a query's hash before its text; urql sends queries as GET and drops a
cached query when a mutation returns a type it holds. Our own clients do none of this,
and the hub's prepared path (documents run again without the extension runner) and its
read-side shortcuts must answer such documents exactly as graphql-core would. The script runs,
with each client, a query with a fragment, an alias and an @include; a mutation; a query that
fails validation and one with a variable of the wrong type; and a profileChanged subscription
over graphql-ws that receives a change made over HTTP. This test makes those changes."""

from __future__ import annotations

from typing import Any

from tests.conftest import HubHandle, start_hub, unique
from tests.hub.test_identity_e2e import identify, some_skus, track, view
from tests.interop.node import NodeProcess
from tests.interop.test_graphql_ws import STEP_SECONDS, _change_until_received, _client_failed

TOTAL_SECONDS = 120


def _drive(client: NodeProcess, hubs: list[HubHandle], profile_id: str) -> dict[str, Any]:
    while True:
        event = client.wait_for("subscribed", "result", timeout=TOTAL_SECONDS)
        match event["event"]:
            case "failed":
                _client_failed(client, hubs, event)
            case "subscribed":
                _change_until_received(client, hubs[-1], hubs, profile_id, event["label"])
            case "result":
                return event


def _shopper(data: dict[str, Any], profile_id: str, context: str) -> dict[str, Any]:
    shopper: dict[str, Any] = data["shopper"]
    assert shopper["__typename"] == "Profile" and shopper["id"] == profile_id, context
    for pick in shopper["recommendations"]:
        assert pick["__typename"] == "Recommendation", context
        assert pick["product"]["__typename"] == "Product" and pick["product"]["sku"], context
        assert pick["reason"] and pick["recommendationId"], context
    for preference in shopper["preferences"]:
        assert preference["__typename"] == "Preference", context
    return shopper


def _stated(shopper: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p["key"], p["value"]) for p in shopper["preferences"] if p["source"] == "EXPLICIT"}


def _typed_errors(outcome: dict[str, Any], context: str) -> list[dict[str, Any]]:
    """The GraphQL errors the client reports, each with a code and no trace."""
    error = outcome.get("error") or outcome.get("thrown")
    assert error and error["errors"], f"no GraphQL errors reported: {outcome}{context}"
    for item in error["errors"]:
        assert item["code"], f"an error without a code: {item}{context}"
        assert "Traceback" not in item["message"], context
    errors: list[dict[str, Any]] = error["errors"]
    return errors


def test_apollo_client_and_urql_read_write_and_subscribe(
    hub_database: tuple[str, dict[str, str]], hubs: list[HubHandle]
) -> None:
    database_url, keys = hub_database
    hubs.append(start_hub(database_url, keys))
    hub = hubs[0]
    email = f"{unique()}@example.com"
    profile_id = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]["id"]
    track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, some_skus(hub, 1)[0], "WEB")])
    client = NodeProcess(
        "standard_clients.mjs",
        {
            "http": f"{hub.url}/graphql",
            "ws": hub.ws_url,
            "key": hub.web_key,
            "profileId": profile_id,
            "stepTimeoutMs": STEP_SECONDS * 1000,
            "totalTimeoutMs": TOTAL_SECONDS * 1000,
        },
    )
    try:
        result = _drive(client, hubs, profile_id)
    finally:
        client.stop()
    context = f"\n{client.transcript()}"

    apollo, urql = result["apollo"], result["urql"]
    # Apollo: the query with its fragment, alias and @include, every object typed.
    shopper = _shopper(apollo["query"], profile_id, context)
    assert [e["__typename"] for e in shopper["recentEvents"]] == ["Event"], context
    assert apollo["cacheKeys"] == [f"Profile:{profile_id}"], context
    # The mutation's answer updated the cached query: normalised by __typename and id.
    payload = apollo["mutation"]
    assert payload["userErrors"] == [] and payload["profile"]["id"] == profile_id, context
    cached = _shopper(apollo["cachedAfterMutation"], profile_id, context)
    assert ("theme", "apollo-garden") in _stated(cached), context
    assert cached["version"] == payload["profile"]["version"] > shopper["version"], context

    # Automatic persisted queries: the hash alone, NOT_FOUND, the document with its hash;
    # then the hash alone is enough (over POST, and over GET when the link is told to).
    for method, persisted in zip(["POST", "GET"], result["persisted"], strict=True):
        assert persisted["requests"] == [
            {"method": method, "withDocument": False},
            {"method": "POST", "withDocument": True},
            {"method": method, "withDocument": False},
        ], context
        for answer in (persisted["first"], persisted["second"]):
            assert _shopper(answer, profile_id, context)["id"] == profile_id

    # urql: the same query (without the events), the mutation, and the next read seeing it.
    first = _shopper(urql["query"]["data"], profile_id, context)
    assert "recentEvents" not in first, context
    assert urql["mutation"]["error"] is None, context
    assert urql["mutation"]["data"]["setPreferences"]["userErrors"] == [], context
    again = _shopper(urql["queryAfterMutation"]["data"], profile_id, context)
    assert ("theme", "urql-garden") in _stated(again), context

    for name, outcome in [("apollo", apollo), ("urql", urql)]:
        invalid = _typed_errors(outcome["invalid"], context)
        assert invalid[0]["code"] == "GRAPHQL_VALIDATION_FAILED", (name, invalid)
        assert "favouriteColour" in invalid[0]["message"], (name, invalid)
        bad = _typed_errors(outcome["badVariables"], context)
        assert bad[0]["code"] == "BAD_USER_INPUT", (name, bad)
        assert "ten" in bad[0]["message"], (name, bad)
        change = outcome["change"]
        assert (change["profileId"], change["kind"]) == (profile_id, "NOTE"), (name, change)

    log = "".join(h.log_path.read_text(errors="replace") for h in hubs if h.log_path)
    assert "Traceback" not in log, f"the hub logged an error:\n{log[-3000:]}"
