"""A query answered with an error while a sibling field is still to run: graphql-core settles
that sibling in the background, after the answer has gone out. Nothing it does may outlive
the request — above all no pooled connection opened then and closed by nobody (SQLAlchemy's
"non-checked-in connection" left to the garbage collector, found by differential fuzzing)."""

from __future__ import annotations

import gc

from tests.hub.inprocess import checked_out, serving_store

# `content` reads the store; `auditLog` is refused to a kiosk's key before it awaits anything,
# so the whole answer fails (its list is non-null) while `content` has not run yet.
SIBLINGS = """query($slot: String!, $tp: Touchpoint!) {
  r0: content(slot: $slot, touchpoint: $tp) { title reason }
  r1: auditLog(first: 3) { detail } }"""


async def test_a_failed_query_s_sibling_field_leaves_no_connection_behind(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    gc.disable()  # a leaked connection stays checked out instead of being collected meanwhile
    try:
        async with serving_store(hub_database) as (client, view, keys):
            pool = view.hub.db.engine.sync_engine.pool
            assert await checked_out(pool, seconds=5) == 0
            for _ in range(3):
                answer = await client.post(
                    "/graphql",
                    json={"query": SIBLINGS, "variables": {"slot": "home", "tp": "KIOSK"}},
                    headers={"Authorization": f"Bearer {keys['kiosk']}"},
                )
                assert answer.status_code == 200
                body = answer.json()
                assert body["data"] is None
                assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            # Before: one connection a request checked out for good (3 here).
            assert await checked_out(pool, seconds=5) == 0
    finally:
        gc.enable()
