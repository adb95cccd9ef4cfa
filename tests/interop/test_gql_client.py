"""Python's `gql` client (graphql-python/gql), as a back-office script would use it, against a
real hub: it validates every document against the checked-in `schema.graphql` before sending
(so the file must describe what the hub serves), runs queries and a mutation over
HTTPXAsyncTransport, reports a bad variable as a TransportQueryError with its code, and
subscribes to profileChanged over WebsocketsTransport with graphql-transport-ws."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

from tests.conftest import HubHandle, unique
from tests.hub.test_identity_e2e import identify

SCHEMA = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text()

PROFILE = gql("""
query Shopper($id: ID!) {
  profile(id: $id) {
    id version isKnown
    preferences { key value like source updatedAt }
    consents { purpose granted }
  }
}""")
STATE = gql("""
mutation State($id: ID!, $value: String!) {
  setPreferences(profileId: $id, touchpoint: WEB,
                 preferences: [{key: "theme", value: $value, like: true}]) {
    profile { id version }
    userErrors { field code message }
  }
}""")
PRODUCTS = gql("query Products($first: Int!) { products(first: $first) { sku name } }")
CHANGES = gql("""
subscription Changes($id: ID!) {
  profileChanged(profileId: $id) { profileId version touchpoint kind summary }
}""")


async def test_gql_reads_writes_and_subscribes_against_the_checked_in_schema(
    hub: HubHandle,
) -> None:
    profile_id = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))["profile"][
        "id"
    ]
    headers = {"Authorization": f"Bearer {hub.web_key}"}
    http = Client(
        transport=HTTPXAsyncTransport(url=f"{hub.url}/graphql", headers=headers, timeout=30),
        schema=SCHEMA,
    )
    sockets = Client(
        transport=WebsocketsTransport(
            url=hub.ws_url,
            init_payload={"authorization": f"Bearer {hub.web_key}"},
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        ),
        schema=SCHEMA,
    )
    async with http as session, sockets as live:
        before = await session.execute(GraphQLRequest(PROFILE, variable_values={"id": profile_id}))
        assert before["profile"]["id"] == profile_id and before["profile"]["isKnown"] is True

        changes: asyncio.Queue[dict[str, object]] = asyncio.Queue()

        async def listen() -> None:
            async for result in live.subscribe(
                GraphQLRequest(CHANGES, variable_values={"id": profile_id})
            ):
                await changes.put(result["profileChanged"])

        listener = asyncio.create_task(listen())
        try:
            # The protocol does not acknowledge a subscribe: write until a change is heard.
            change = None
            for attempt in range(20):
                stated = await session.execute(
                    GraphQLRequest(
                        STATE, variable_values={"id": profile_id, "value": f"gql-{attempt}"}
                    )
                )
                assert stated["setPreferences"]["userErrors"] == []
                try:
                    change = await asyncio.wait_for(changes.get(), 0.5)
                    break
                except TimeoutError:
                    continue
            assert change is not None, "no profileChanged reached the gql client"
            assert change["profileId"] == profile_id and change["kind"] == "PREFERENCES"
            assert change["touchpoint"] == "WEB"
        finally:
            listener.cancel()
            with pytest.raises(asyncio.CancelledError):
                await listener

        after = await session.execute(GraphQLRequest(PROFILE, variable_values={"id": profile_id}))
        assert after["profile"]["version"] > before["profile"]["version"]
        assert any(p["value"].startswith("gql-") for p in after["profile"]["preferences"])

        with pytest.raises(TransportQueryError) as refused:
            await session.execute(GraphQLRequest(PRODUCTS, variable_values={"first": "ten"}))
        assert refused.value.errors is not None
        assert refused.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        # The same socket goes on serving queries after the subscription ended.
        products = await live.execute(GraphQLRequest(PRODUCTS, variable_values={"first": 2}))
        assert len(products["products"]) == 2
