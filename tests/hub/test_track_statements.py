"""What a `track` batch of new visitors costs in statements: a few for the whole batch, not one
a visitor. Each new visitor gets a profile, an identifier, a version and an audit row, and the
web key that named them is linked to each (`auth.repository.remember_many`) so that it may read
them by id: a statement a table, whatever the batch's size."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, text

from tests.hub.gql import TRACK
from tests.hub.inprocess import serving_store

VISITORS = 200


async def test_a_web_key_is_linked_to_a_batch_of_new_visitors_in_one_statement(
    hub_database: tuple[str, dict[str, str]],
) -> None:
    async with serving_store(hub_database) as (client, view, keys):
        engine = view.hub.db.engine.sync_engine
        seen: list[str] = []

        def statement(*args: Any) -> None:
            seen.append(args[2])

        run = f"visitor-{uuid.uuid4().hex[:12]}-"
        values = [f"{run}{n}" for n in range(VISITORS)]
        batch = [
            {
                "messageId": uuid.uuid4().hex,
                "identifier": {"kind": "ANONYMOUS_ID", "value": value},
                "type": "VIEW",
                "touchpoint": "WEB",
            }
            for value in values
        ]
        event.listen(engine, "before_cursor_execute", statement)
        try:
            answer = await client.post(
                "/graphql",
                json={"query": TRACK, "variables": {"events": batch}},
                headers={"Authorization": f"Bearer {keys['web']}"},
            )
        finally:
            event.remove(engine, "before_cursor_execute", statement)
        assert answer.json()["data"]["track"] == {
            "accepted": VISITORS,
            "duplicates": 0,
            "userErrors": [],
        }
        # The links looked up and written: two statements (on PostgreSQL the write is a COPY,
        # which cursor events do not see). One a visitor was 200 more.
        assert len([s for s in seen if "key_profiles" in s]) <= 2, seen

        async def of_run(sql: str) -> list[tuple[Any, ...]]:
            """The rows of `sql` about this run's visitors (`:run`, their values' prefix)."""
            async with view.hub.db.sessions() as session:
                found = await session.execute(text(sql), {"run": f"{run}%"})
                return [tuple(row) for row in found]

        linked = await of_run(
            "SELECT count(DISTINCT i.value) FROM identifiers i"
            " JOIN key_profiles k ON k.profile_id = i.profile_id"
            " JOIN api_keys a ON a.id = k.key_id"
            " WHERE a.channel = 'web' AND i.kind = 'ANONYMOUS_ID' AND i.value LIKE :run"
        )
        assert linked == [(VISITORS,)]  # the key may read each of them by id
        # Their identifiers' ids are given before the insert, not read back after it: the
        # identifiers are read once (who holds them: nobody) and written once; and each
        # event names the identifier of its visitor, on that visitor's profile.
        reads = [s for s in seen if "identifiers.value" in s and "INSERT" not in s]
        assert len(reads) == 1, reads
        mismatched = await of_run(
            "SELECT count(*) FROM events e JOIN identifiers i ON i.id = e.identifier_id"
            " WHERE i.value LIKE :run AND e.profile_id != i.profile_id"
        )
        named = await of_run(
            "SELECT count(DISTINCT i.value) FROM events e"
            " JOIN identifiers i ON i.id = e.identifier_id WHERE i.value LIKE :run"
        )
        assert (mismatched, named) == ([(0,)], [(VISITORS,)])
        # New profiles go in at the version their first change gives them (as when they went
        # in at 1 and were moved on): no UPDATE of a profile a moment after its INSERT.
        assert not [s for s in seen if s.lstrip().upper().startswith("UPDATE PROFILES")], seen
        versions = await of_run(
            "SELECT p.version, count(*) FROM profiles p"
            " JOIN identifiers i ON i.profile_id = p.id"
            " WHERE i.value LIKE :run GROUP BY p.version"
        )
        assert versions == [(2, VISITORS)]
