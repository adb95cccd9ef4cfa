"""Audit: read-your-writes tokens and credentials across hub processes.

The self-service tests run on either store (two hubs on the run's store); the
`X-Rapport-Consistency` ones need the PostgreSQL cluster (primary, hot standby, two hubs:
tests/replicas) and are left out on SQLite (`postgres_only`).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from tests.conftest import HubHandle, unique
from tests.hub.gql import IDENTIFY, PROFILE_BY_ID
from tests.hub.test_identity_e2e import identify
from tests.hub.test_ledger_e2e import REDEEM, REQUEST, latest_code
from tests.hub.test_realtime_e2e import _open, _subscribe

HEADER = "X-Rapport-Consistency"
NOTE = "mutation($id: ID!) { addNote(profileId: $id, text: $t) { userErrors { code } } }"
NOTE = NOTE.replace("$id: ID!)", "$id: ID!, $t: String!)")


def _self_service_token(hub: HubHandle, profile_id: str, identifier: dict[str, str]) -> str:
    hub.gql(REQUEST, {"i": identifier}, key=hub.web_key)
    answer = hub.gql(REDEEM, {"i": identifier, "c": latest_code(hub, profile_id)}, key=hub.web_key)
    token: str | None = answer["data"]["redeemSelfServiceCode"]["token"]
    assert token, answer
    return token


async def _changes_until_quiet(ws: Any, seconds: float) -> list[dict[str, Any]]:
    """Every message the socket gets until it has been quiet for `seconds`."""
    seen: list[dict[str, Any]] = []
    while True:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), seconds))
        except TimeoutError:
            return seen
        if message["type"] in ("next", "error", "complete"):
            seen.append(message)


async def test_a_shoppers_live_feed_does_not_outlast_what_the_token_may_read(
    hub: HubHandle, second_replica: HubHandle
) -> None:
    """A self-service token reaches only its own profile. Once that profile is merged into
    another, the token reads neither (FORBIDDEN, on every hub); a feed it opened before the
    merge must not go on delivering the survivor's changes, which the token may not read."""
    survivor_email = f"{unique()}@example.com"
    survivor = identify(hub, hub.web_key, "WEB", ("EMAIL", survivor_email))["profile"]
    loyalty = f"L{unique()}".upper()
    shopper = identify(
        hub, hub.web_key, "WEB", ("LOYALTY_ID", loyalty), ("EMAIL", f"{unique()}@example.com")
    )["profile"]
    token = _self_service_token(hub, shopper["id"], {"kind": "LOYALTY_ID", "value": loyalty})
    ws = await _open(second_replica, token)
    try:
        await _subscribe(ws, shopper["id"])
        await asyncio.sleep(0.5)
        merged = identify(
            hub, hub.web_key, "WEB", ("EMAIL", survivor_email), ("LOYALTY_ID", loyalty)
        )
        assert merged["merged"] and merged["profile"]["id"] == survivor["id"]
        # What the token may read now: nothing, through either id, on either hub.
        for where in (hub, second_replica):
            for pid in (shopper["id"], survivor["id"]):
                body = where.post(PROFILE_BY_ID, {"id": pid}, key=token).json()
                assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        await _changes_until_quiet(ws, 1.0)  # the merge itself may be told
        # The survivor changes afterwards (an agent's note, say).
        for i in range(3):
            answer = hub.gql(NOTE, {"id": survivor["id"], "t": f"private note {i}"})
            assert answer["data"]["addNote"]["userErrors"] == [], answer
        after = await _changes_until_quiet(ws, 1.5)
        leaked = [
            m["payload"]["data"]["profileChanged"]
            for m in after
            if m["type"] == "next" and m["payload"].get("data")
        ]
        assert not leaked, f"the shopper's token still hears the survivor's changes: {leaked}"
    finally:
        await ws.close()


# --- X-Rapport-Consistency on the PostgreSQL cluster -------------------------------------

try:  # the cluster fixture (PostgreSQL run only)
    from tests.replicas.conftest import metric, primary_sql, replicas  # noqa: F401
    from tests.replicas.test_cluster import Cluster
except Exception:  # pragma: no cover
    Cluster = Any  # type: ignore[misc,assignment]

_client = httpx.Client(timeout=30)


def _post(url: str, key: str, query: str, variables: dict[str, Any], token: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {key}"}
    if token is not None:
        headers[HEADER] = token
    return _client.post(
        f"{url}/graphql", headers=headers, json={"query": query, "variables": variables}
    )


def _new_profile(cluster: Cluster) -> str:
    answer = _post(
        cluster.info["hub-a"],
        cluster.info["key-admin"],
        IDENTIFY,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": f"{unique()}@example.com"}],
                "touchpoint": "WEB",
            }
        },
    )
    assert answer.status_code == 200
    return str(answer.json()["data"]["identify"]["profile"]["id"])


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Cluster:
    started: Cluster = request.getfixturevalue("replicas")
    return started


def _lsn(value: str) -> int:
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


@pytest.mark.postgres_only
def test_a_foreign_token_does_not_stick_to_the_client(cluster: Cluster) -> None:
    """A token from elsewhere (another cluster, a restored database, a mistyped value) that
    is past anything the primary has written: the read waits for the standby and goes to the
    primary, as documented. But the answer must not hand it back: the client keeps the last
    token it got and sends it with every request, so every later read would wait 0.2 s and
    skip the standby for good, and every write would hand the same foreign token back."""
    hub_a, hub_b = cluster.info["hub-a"], cluster.info["hub-b"]
    admin = cluster.info["key-admin"]
    pid = _new_profile(cluster)
    foreign = "FFFFFFFF/FFFFFFF0"
    read = _post(hub_b, admin, PROFILE_BY_ID, {"id": pid}, foreign)
    assert read.status_code == 200 and read.json()["data"]["profile"]["id"] == pid
    wrote = _post(hub_a, admin, NOTE, {"id": pid, "t": "hello"}, foreign)
    assert wrote.status_code == 200 and wrote.json()["data"]["addNote"]["userErrors"] == []
    primary = _lsn(str(primary_sql(cluster, "SELECT pg_current_wal_lsn()::text")))
    for answer in (read, wrote):
        echoed = answer.headers.get(HEADER)
        assert echoed is None or _lsn(echoed) <= primary, (
            f"a token past the primary's position ({echoed}) handed back to the client"
        )
    # So the client's next read (with what it keeps: the last token it was given, else the
    # one it had, as clients/transport.py does) is not held up, for a client that only reads
    # as for one that wrote.
    for answer in (read, wrote):
        kept = answer.headers.get(HEADER) or foreign
        started = time.monotonic()
        assert _post(hub_b, admin, PROFILE_BY_ID, {"id": pid}, kept).status_code == 200
        assert time.monotonic() - started < 0.15, f"the read with {kept} waited"


@pytest.mark.postgres_only
@pytest.mark.parametrize("value", ["-1/-1", "+0/+0", "0_0/0"])
def test_a_value_that_is_not_a_wal_position_reads_from_the_primary(
    cluster: Cluster, value: str
) -> None:
    """docs/api.md: "`X-Rapport-Consistency: primary` (or any value that is not a token)
    reads from the primary." PostgreSQL writes a WAL position as two groups of hex digits;
    anything else is not a token, so the standby serves nothing and nothing made up is sent
    back."""
    hub_b = cluster.info["hub-b"]
    pid = _new_profile(cluster)
    before = metric(hub_b, cluster.info["key-admin"], "rapport_standby_reads_total")
    answer = _post(hub_b, cluster.info["key-admin"], PROFILE_BY_ID, {"id": pid}, value)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["profile"]["id"] == pid
    assert metric(hub_b, cluster.info["key-admin"], "rapport_standby_reads_total") == before, (
        "read from the standby"
    )
    assert answer.headers.get(HEADER) is None, answer.headers.get(HEADER)
