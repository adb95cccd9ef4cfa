"""What a touchpoint sees after another touchpoint changed something: live feeds across
merges, splits and erasure, and the state a hub keeps in memory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import websockets

from tests.conftest import HubHandle, unique
from tests.hub.test_identity_e2e import identify, some_skus, track, view
from tests.hub.test_realtime_e2e import _open
from tests.hub.test_stewardship_e2e import MERGES, SPLIT
from tests.hub.test_subscribe_window import IDENTIFY, TRACK, _served

SUBSCRIBE = """subscription($id: ID!) { profileChanged(profileId: $id) {
  profileId version kind summary mergedInto } }"""


@contextlib.asynccontextmanager
async def _signed_in_socket(port: int, key: str) -> AsyncIterator[Any]:
    """A graphql-transport-ws socket to the hub on `port`, signed in with `key`, acknowledged."""
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield ws


async def _subscribe(ws: Any, profile_id: str, op: str = "1") -> None:
    message = {"query": SUBSCRIBE, "variables": {"id": profile_id}}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": message}))


async def _message(ws: Any, seconds: float = 5.0) -> dict[str, Any] | None:
    """The next message that is not a ping or pong, or None after `seconds` of nothing."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        left = deadline - loop.time()
        if left <= 0:
            return None
        try:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            return None
        if message["type"] not in ("ping", "pong"):
            return message


async def _in_thread(work: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, work)


async def test_subscribing_to_a_merged_away_profile_hears_the_customer_it_follows(
    hub: HubHandle,
) -> None:
    """A screen that still holds a profile id the customer was merged away from subscribes to
    it (the subscription accepts it: the profile is followed to its survivor). It must then hear
    the customer's changes, which are all the survivor's now."""
    first, second = f"{unique()}@example.com", f"{unique()}@example.com"
    survivor = identify(hub, hub.web_key, "WEB", ("EMAIL", first))["profile"]
    merged_away = identify(hub, hub.web_key, "WEB", ("EMAIL", second))["profile"]
    both = identify(hub, hub.web_key, "WEB", ("EMAIL", first), ("EMAIL", second))
    assert both["merged"] and both["profile"]["id"] == survivor["id"]
    ws = await _open(hub, hub.kiosk_key)
    try:
        await _subscribe(ws, merged_away["id"])
        await asyncio.sleep(0.3)
        sku = some_skus(hub, 1)[0]
        await _in_thread(
            lambda: track(hub, hub.web_key, [view(unique("m"), "EMAIL", second, sku, "WEB")])
        )
        message = await _message(ws)
        assert message is not None, (
            "a subscriber on a merged-away id heard nothing of the customer's new event: the "
            "feed listens on the old id while every change is made to the survivor"
        )
        assert message["type"] == "next", message
        change = message["payload"]["data"]["profileChanged"]
        assert change["profileId"] == survivor["id"] and change["kind"] == "EVENTS", change
    finally:
        await ws.close()


async def test_after_a_split_a_subscriber_of_the_restored_profile_hears_no_more_of_the_other(
    hub: HubHandle,
) -> None:
    """A feed on a profile follows it into its survivor when merged. A split makes them two
    customers again: the restored profile's subscriber must not go on hearing the other
    customer's changes (their preferences, consents, notes, …)."""
    email, anon = f"{unique()}@example.com", unique("anon-")
    agent = hub.agent_token()
    known = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
    other = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", anon))["profile"]
    ws = await _open(hub, hub.kiosk_key)
    try:
        await _subscribe(ws, other["id"])
        await asyncio.sleep(0.3)
        merged = await _in_thread(
            lambda: identify(hub, hub.web_key, "WEB", ("EMAIL", email), ("ANONYMOUS_ID", anon))
        )
        assert merged["merged"] and merged["profile"]["id"] == known["id"]
        message = await _message(ws)  # the merge, as the merged-away profile's change
        assert message is not None and message["type"] == "next", message
        assert message["payload"]["data"]["profileChanged"]["mergedInto"] == known["id"]
        while await _message(ws, 1.0) is not None:  # the survivor's, if heard
            pass
        merges = hub.gql(MERGES, {"id": known["id"]}, key=agent)["data"]["profile"]["merges"]
        split = await _in_thread(
            lambda: hub.gql(SPLIT, {"m": merges[0]["id"]}, key=agent)["data"]["splitProfile"]
        )
        assert split["userErrors"] == [] and split["restored"]["id"] == other["id"]
        seen = []
        while (message := await _message(ws, 2.0)) is not None:
            seen.append(message["payload"]["data"]["profileChanged"])
        assert [c["kind"] for c in seen if c["profileId"] == other["id"]] == ["SPLIT"], seen
        # Only the survivor's customer does something now.
        await _in_thread(
            lambda: hub.gql(
                'mutation($id:ID!){addNote(profileId:$id,text:"Kit only"){userErrors{code}}}',
                {"id": known["id"]},
                key=agent,
            )
        )
        message = await _message(ws, 3.0)
        assert message is None, (
            "after the split, the restored profile's subscriber still hears the other "
            f"customer's changes: {message}"
        )
    finally:
        await ws.close()


async def _erase_unheard(hub: Any, http: httpx.AsyncClient, profile_id: str) -> None:
    """Erase the profile while this hub hears nothing (a lost LISTEN connection, a journal that
    moved on): the ERASED change is never handed to its subscribers."""
    dispatch = hub.broker.dispatch
    hub.broker.dispatch = lambda changes: None
    try:
        erased = await http.post(
            "/graphql",
            json={
                "query": "mutation($id:ID!){eraseProfile(profileId:$id){erased}}",
                "variables": {"id": profile_id},
            },
        )
        assert erased.json()["data"]["eraseProfile"]["erased"] is True, erased.text
        await asyncio.sleep(0.3)  # the journal's poll, if any, has read it (and dropped it)
    finally:
        hub.broker.dispatch = dispatch


async def test_a_resync_after_an_unheard_erasure_ends_the_feed(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """The hub lost its change listener while the profile was erased, and tells every
    subscriber to re-read (RESYNC). The subscriber of the erased profile must learn that it is
    gone (ERASED, or an error) and the feed must end; it must not stay open, silently, on a
    profile that no longer exists while the screen keeps showing the customer."""
    _, keys = hub_database
    email = f"gap-{uuid.uuid4().hex[:10]}@example.com"
    async with _served(hub_database) as (hub, port):
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=admin) as http:
            made = await http.post("/graphql", json={"query": IDENTIFY, "variables": {"e": email}})
            profile = made.json()["data"]["identify"]["profile"]
            async with _signed_in_socket(port, keys["kiosk"]) as ws:
                await _subscribe(ws, profile["id"])
                await asyncio.sleep(0.3)
                await _erase_unheard(hub, http, profile["id"])
                hub.broker.resync()
                message = await _message(ws, 3.0)
                assert message is not None, (
                    "after a RESYNC the subscriber of a profile erased meanwhile is told "
                    "nothing: its feed stays open on a profile that no longer exists"
                )
                if message["type"] == "next" and message["payload"].get("data"):
                    change = message["payload"]["data"]["profileChanged"]
                    assert change["kind"] == "ERASED", change
                    message = await _message(ws, 3.0)
                assert message is not None and message["type"] in ("complete", "error", "next")
                if message["type"] == "next":
                    assert message["payload"]["errors"], message
                    message = await _message(ws, 3.0)
                assert message == {"id": "1", "type": "complete"}, message


async def test_a_resync_after_an_unheard_merge_follows_the_customer(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    """The hub heard nothing while the subscriber's profile was merged into another (a lost
    LISTEN connection, a journal that moved on), then tells it to re-read. From then on the
    subscriber must hear the customer's changes, which are all the survivor's."""
    _, keys = hub_database
    first = f"gap-{uuid.uuid4().hex[:10]}@example.com"
    second = f"gap-{uuid.uuid4().hex[:10]}@example.com"
    gql = "/graphql"
    async with _served(hub_database) as (hub, port):
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=admin) as http:
            made = await http.post(gql, json={"query": IDENTIFY, "variables": {"e": first}})
            survivor = made.json()["data"]["identify"]["profile"]
            made = await http.post(gql, json={"query": IDENTIFY, "variables": {"e": second}})
            merged_away = made.json()["data"]["identify"]["profile"]
            async with _signed_in_socket(port, keys["kiosk"]) as ws:
                await _subscribe(ws, merged_away["id"])
                await asyncio.sleep(0.3)
                dispatch = hub.broker.dispatch
                hub.broker.dispatch = lambda changes: None
                try:
                    both = await http.post(
                        gql,
                        json={
                            "query": """mutation($a: String!, $b: String!) { identify(input: {
                              identifiers: [{kind: EMAIL, value: $a}, {kind: EMAIL, value: $b}],
                              touchpoint: WEB}) { merged profile { id } } }""",
                            "variables": {"a": first, "b": second},
                        },
                    )
                    assert both.json()["data"]["identify"]["merged"] is True, both.text
                    await asyncio.sleep(0.3)
                finally:
                    hub.broker.dispatch = dispatch
                hub.broker.resync()
                resync = await _message(ws, 3.0)
                assert resync is not None and resync["type"] == "next", resync
                assert resync["payload"]["data"]["profileChanged"]["kind"] == "RESYNC"
                variables = {"e": second, "m": uuid.uuid4().hex}
                later = await http.post(gql, json={"query": TRACK, "variables": variables})
                assert later.json()["data"]["track"]["accepted"] == 1
                message = await _message(ws, 3.0)
                assert message is not None, (
                    "after a RESYNC that found the profile merged away, the feed still listens "
                    "only on the old id: the customer's new event (on the survivor "
                    f"{survivor['id']}) is never heard"
                )
                change = message["payload"]["data"]["profileChanged"]
                assert change["profileId"] == survivor["id"], change


RECS = """query($id: ID!) { profile(id: $id) { recommendations(touchpoint: WEB, first: 5) {
  product { sku name } } } }"""
PRODUCT = "query($sku: String!) { product(sku: $sku) { sku name } }"


async def _update_product(database_url: str, sku: str, column: str, value: object) -> None:
    """What `seed-demo`, an import or the retailer's stock system does to a product from
    another process."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(f"UPDATE products SET {column} = :v WHERE sku = :s"), {"v": value, "s": sku}
            )
    finally:
        await engine.dispose()


async def test_a_renamed_product_is_recommended_under_its_new_name(hub: HubHandle) -> None:
    """Another process renames a product (a new catalogue file loaded with `seed-demo`): the
    next read on every hub shows the new name — `product(sku)` does, and so must the product of
    a recommendation in the same moment, not the name the hub read minutes ago."""
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]
    picks = hub.gql(RECS, {"id": profile["id"]})["data"]["profile"]["recommendations"]
    assert picks, "the sample store recommends something"
    sku, old = picks[0]["product"]["sku"], picks[0]["product"]["name"]
    new = f"{old} (renamed {unique()})"
    await _update_product(hub.database_url, sku, "name", new)
    try:
        await asyncio.sleep(1.0)  # well under a second is the promise
        assert hub.gql(PRODUCT, {"sku": sku})["data"]["product"]["name"] == new
        again = hub.gql(RECS, {"id": profile["id"]})["data"]["profile"]["recommendations"]
        names = {p["product"]["sku"]: p["product"]["name"] for p in again}
        assert names.get(sku) == new, (
            f"product({sku}) is already “{new}”, but its recommendation still says "
            f"“{names.get(sku)}” (the hub's catalogue snapshot is kept for five minutes)"
        )
    finally:
        await _update_product(hub.database_url, sku, "name", old)


async def test_a_product_sold_out_elsewhere_is_no_longer_recommended(hub: HubHandle) -> None:
    """The retailer's stock system marks a product sold out, straight in `products`: the
    hub's catalogue snapshot (kept five minutes) went on recommending it; now within a
    second, as a rename is."""
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"]
    picks = hub.gql(RECS, {"id": profile["id"]})["data"]["profile"]["recommendations"]
    assert picks, "the sample store recommends something"
    sku = picks[0]["product"]["sku"]
    await _update_product(hub.database_url, sku, "in_stock", False)
    try:
        await asyncio.sleep(1.0)
        again = hub.gql(RECS, {"id": profile["id"]})["data"]["profile"]["recommendations"]
        assert sku not in {p["product"]["sku"] for p in again}, f"{sku} is sold out"
    finally:
        await _update_product(hub.database_url, sku, "in_stock", True)
    await asyncio.sleep(1.0)
    back = hub.gql(RECS, {"id": profile["id"]})["data"]["profile"]["recommendations"]
    assert sku in {p["product"]["sku"] for p in back}, "in stock again: recommended again"


def test_a_subscriber_that_stops_reading_is_told_to_read_again_not_left_with_gaps() -> None:
    """A feed holds 1,000 changes; past that the hub dropped the oldest one by one, silently.
    Now what was not read becomes one RESYNC (re-read the profile), then the new change."""
    from hub.broker import _QUEUE_SIZE, RESYNC, LocalBroker, ProfileChange

    async def overflow() -> list[ProfileChange]:
        broker = LocalBroker()
        feed = broker.subscribe("p-1", tick=0.05)
        try:
            broker.dispatch(
                ProfileChange("p-1", v, "WEB", "EVENTS", f"change {v}")
                for v in range(2, _QUEUE_SIZE + 3)
            )
            got = []
            while (change := await feed.__anext__()) is not None:
                got.append(change)
            return got
        finally:
            await feed.aclose()

    got = asyncio.run(overflow())
    assert [(c.profile_id, c.kind) for c in got[:1]] == [("p-1", RESYNC)], got[:2]
    assert [c.version for c in got[1:]] == [_QUEUE_SIZE + 2], "then the change that overflowed"
