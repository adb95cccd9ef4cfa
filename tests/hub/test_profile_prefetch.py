"""A profile read by identifier reads the parts its selection asks for with the lookup
(hub/profile360/schema.py `parts_asked`, reading.lookup_with_parts): the fields then find them
without a batch of their own, and every answer is the one the fields' own loading gives."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Enum as SAEnum
from sqlalchemy import Interval, literal, select, text

from hub import reads
from hub.app import create_app
from hub.catalog import names
from hub.db import Database, utcnow
from hub.enums import IdentifierKind, PreferenceSource
from hub.identity.models import Identifier
from hub.identity.normalize import IdentifierIn
from hub.profile360 import reading
from hub.profile360 import schema as profile_schema
from hub.profile360.facts import CONSENTS, EVENTS, IDENTIFIERS, PREFERENCES
from hub.settings import Settings
from hub.weights import Weights

CUSTOMERS = ["14740", "15276", "13266", "13534", "17889"]

PROFILE = """query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) {
  id displayName identifiers { kind value }
  preferences { key value label weight source reason } consents { purpose granted }
  recentEvents(first: 20) { type occurredAt summary } } }"""

# Fragments, aliases, variables, a skipped field, a type filter and an out-of-range page.
TANGLED = """query($v: String!, $n: Int!, $skip: Boolean!) {
  profile(identifier: {kind: CRM_ID, value: $v}) { ...Parts
    few: recentEvents(first: $n) { type summary }
    bought: recentEvents(types: [PURCHASE]) { type occurredAt }
    many: recentEvents(first: 500) { occurredAt }
    identifiers @skip(if: $skip) { kind } } }
fragment Parts on Profile { displayName ... on Profile {
  consents { purpose granted isDefault } preferences(source: IMPLICIT) { key reason } } }"""


@pytest.fixture
async def client(hub_database: tuple[str, dict[str, str]]) -> AsyncIterator[httpx.AsyncClient]:
    url, keys = hub_database
    app = create_app(Settings(database_url=url, retrain_on_start=False, rate_limits={}))
    headers = {"Authorization": f"Bearer {keys['admin']}", "content-type": "application/json"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub", headers=headers
        ) as client:
            yield client


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """The keys of every batch the fields' own loader reads."""
    seen: list[list[Any]] = []
    load = reading.load

    async def counted(session: Any, keys: Sequence[Any], *args: Any) -> list[Any]:
        seen.append(list(keys))
        return await load(session, keys, *args)

    monkeypatch.setattr(reading, "load", counted)
    return seen


async def _ask(client: httpx.AsyncClient, query: str, crm: str) -> bytes:
    variables = {"v": crm, "n": 3, "skip": False}
    body = orjson.dumps({"query": query, "variables": variables})
    answer = await client.post("/graphql", content=body)
    assert answer.status_code == 200 and b'"errors"' not in answer.content, answer.text
    assert b'"profile":null' not in answer.content
    return answer.content


async def _both(
    client: httpx.AsyncClient, query: str, crm: str, monkeypatch: pytest.MonkeyPatch
) -> bytes:
    """The answer with the parts read up front, checked equal to the fields' own loading."""
    ahead = await _ask(client, query, crm)
    with monkeypatch.context() as patch:
        patch.setattr(profile_schema, "parts_asked", lambda _info: [])
        assert await _ask(client, query, crm) == ahead
    return ahead


async def test_the_profile_read_needs_no_batch_of_its_own(
    client: httpx.AsyncClient, batches: list[list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for crm in CUSTOMERS:
        batches.clear()
        await _ask(client, PROFILE, crm)
        assert batches == []  # identifiers, preferences, consents, 20 events: all read ahead
        await _both(client, PROFILE, crm, monkeypatch)
        assert batches, "with nothing read ahead, the fields load their parts themselves"


async def test_what_is_not_read_ahead_is_loaded_by_its_field(
    client: httpx.AsyncClient, batches: list[list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for crm in CUSTOMERS:
        batches.clear()
        await _ask(client, TANGLED, crm)
        # Only the type-filtered events are the field's own to load.
        assert [[key[0] for key in keys] for keys in batches] == [["events"]]
        assert batches[0][0][3] == ("PURCHASE",)
        await _both(client, TANGLED, crm, monkeypatch)


async def test_by_id_the_fields_load_their_parts(
    client: httpx.AsyncClient, batches: list[list[Any]]
) -> None:
    found = orjson.loads(await _ask(client, PROFILE, CUSTOMERS[0]))
    batches.clear()
    query = PROFILE.replace("$v: String!", "$v: ID!").replace(
        "identifier: {kind: CRM_ID, value: $v}", "id: $v"
    )
    body = orjson.dumps({"query": query, "variables": {"v": found["data"]["profile"]["id"]}})
    by_id = await client.post("/graphql", content=body)
    assert orjson.loads(by_id.content) == found
    assert len(batches) == 1


ALL_PARTS = [
    (IDENTIFIERS,),
    (PREFERENCES,),
    (CONSENTS,),
    (EVENTS, 20, ()),
    (EVENTS, 3, ("PURCHASE", "RETURN")),
    (EVENTS, 500, ()),
]


async def test_parts_read_with_the_lookup_are_the_loaders_parts(
    hub_database: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """For every customer of the sample, each part read with the lookup (on PostgreSQL in one
    statement, its parts nested as arrays of rows) equals what the fields' own loader reads,
    one statement per part: learned interests ranked, labels, consents, events of types."""
    url, _ = hub_database
    db = Database(url)
    statements: list[Any] = []
    real = reads._on_asyncpg

    def counted(driver: Any, dialect: Any, statement: Any, parameters: Any) -> Any:
        statements.append(statement)
        return real(driver, dialect, statement, parameters)

    monkeypatch.setattr(reads, "_on_asyncpg", counted)
    weights, now = Weights.from_settings(Settings()), utcnow()
    try:
        async with db.sessions() as session:
            crm_ids = list(
                await session.scalars(
                    select(Identifier.value)
                    .where(Identifier.kind == "CRM_ID")
                    .order_by(Identifier.value)
                )
            )
        assert len(crm_ids) > 50
        learned_seen = labelled = names_loaded = 0
        for crm in crm_ids:
            async with db.sessions() as session:
                statements.clear()
                loads = names.loads(db.engine)
                row, parts = await reading.lookup_with_parts(
                    session, IdentifierIn(IdentifierKind.CRM_ID, crm), "GB", ALL_PARTS, weights, now
                )
                if db.dialect == "postgresql":
                    # The lookup and every part; and the catalogue's names, when this process
                    # has no copy at this version yet (its first read), in three more.
                    loaded_names = names.loads(db.engine) - loads
                    assert len(statements) == 1 + 3 * loaded_names
                    names_loaded += loaded_names
                assert row is not None
                keys = [(part[0], row.id, *part[1:]) for part in ALL_PARTS]
                loaded = dict(
                    zip(keys, await reading.load(session, keys, weights, now), strict=True)
                )
            if db.dialect == "postgresql":
                # The bundle's few shapes: typed events, and a third list, are their fields'.
                untyped = [k for k in keys if k[0] == EVENTS and not k[3]]
                assert list(parts) == keys[:3] + untyped[: reading.BUNDLED_EVENTS]
            else:
                assert list(parts) == keys
            for key, found in parts.items():
                assert found == loaded[key], (crm, key)
            preferences = parts[(PREFERENCES, row.id)]
            learned_seen += any(view.source is PreferenceSource.IMPLICIT for view in preferences)
            labelled += any(view.label for view in preferences)
        assert learned_seen > 50 and labelled > 50
        assert names_loaded <= 1  # a copy per version, not a load per read
    finally:
        await db.dispose()


async def test_the_bundle_gives_back_every_value_exactly(
    client: httpx.AsyncClient, hub_database: tuple[str, dict[str, str]]
) -> None:
    """On PostgreSQL the bundle's parts come as one JSON text (statements.bundle): read back
    (reads.from_json), each value is what its part's own statement gives — a price's decimals,
    an integer no float holds and quotes and accents in a property, a stated preference's
    fractional weight, a consent's expiry, learned scores — on a connection whose time zone
    is not UTC (PostgreSQL writes a time in the session's zone)."""
    crm = str(90_000_000 + uuid.uuid4().int % 9_000_000)
    who = {"kind": "CRM_ID", "value": crm}
    properties = {
        "big": 2**62 + 1,
        "say": 'a "quoted" ünïcode ✓\n',
        "list": [1.5, None, True, 1e-7],
    }
    events = [
        {"messageId": uuid.uuid4().hex, "identifier": who, "type": "PURCHASE",
         "touchpoint": "STORE", "productSku": "85123A", "quantity": 3, "price": 2.1,
         "occurredAt": "2026-01-02T03:04:05.123400Z"},
        {"messageId": uuid.uuid4().hex, "identifier": who, "type": "VIEW", "touchpoint": "WEB",
         "productSku": "22423", "properties": properties,
         "occurredAt": "2026-01-03T23:59:59.000001Z"},
    ]  # fmt: skip
    tracked = await _post(client, TRACK, {"events": events})
    assert tracked["track"]["accepted"] == 2, tracked
    found = await _post(client, "query($v: String!) { profile(identifier: {kind: CRM_ID, "
                        "value: $v}) { id } }", {"v": crm})  # fmt: skip
    profile_id = found["profile"]["id"]
    stated = [{"key": "colour", "value": "red", "like": True}]
    answered = await _post(client, PREFER, {"id": profile_id, "p": stated})
    assert not answered["setPreferences"]["userErrors"], answered
    until = "2031-05-06T07:08:09.5Z"
    answered = await _post(client, CONSENT, {"id": profile_id, "until": until})
    assert not answered["setConsent"]["userErrors"], answered

    url, _ = hub_database
    db = Database(url)
    weights, now = Weights.from_settings(Settings()), utcnow()
    try:
        async with db.sessions() as session:
            if db.dialect == "postgresql":  # half-hour offset: Newfoundland
                await session.execute(text("SET TIME ZONE 'America/St_Johns'"))
            try:
                row, parts = await reading.lookup_with_parts(
                    session, IdentifierIn(IdentifierKind.CRM_ID, crm), "GB", ALL_PARTS, weights, now
                )
                assert row is not None
                keys = [(part[0], row.id, *part[1:]) for part in ALL_PARTS]
                loaded = dict(
                    zip(keys, await reading.load(session, keys, weights, now), strict=True)
                )
            finally:
                if db.dialect == "postgresql":
                    await session.execute(text("RESET TIME ZONE"))
        for key, part in parts.items():
            assert part == loaded[key], key
        recent = parts[(EVENTS, row.id, 20, ())]
        assert [e.occurred_at.isoformat() for e in recent] == [
            "2026-01-03T23:59:59.000001+00:00",
            "2026-01-02T03:04:05.123400+00:00",
        ]
        assert all(e.occurred_at.tzinfo is UTC for e in recent)
        assert str(recent[1].price) == "2.10" and recent[1].quantity == 3
        assert json.loads(recent[0].properties_json or "") == properties
        (granted,) = [c for c in parts[(CONSENTS, row.id)] if c.purpose.value == "MARKETING_EMAIL"]
        assert granted.expires_at == datetime(2031, 5, 6, 7, 8, 9, 500000, tzinfo=UTC)
        preferences = parts[(PREFERENCES, row.id)]
        assert {(p.key, p.value) for p in preferences} >= {("colour", "red"), ("product", "22423")}
        assert all(isinstance(p.weight, float) for p in preferences)
    finally:
        await db.dispose()


TRACK = "mutation($events: [EventInput!]!) { track(events: $events) { accepted userErrors { field code message } } }"  # noqa: E501
PREFER = """mutation($id: ID!, $p: [PreferenceInput!]!) { setPreferences(profileId: $id,
  touchpoint: CALL_CENTER, preferences: $p) { userErrors { field code message } } }"""
CONSENT = """mutation($id: ID!, $until: DateTime) { setConsent(profileId: $id,
  purpose: MARKETING_EMAIL, granted: true, touchpoint: CALL_CENTER, expiresAt: $until) {
  userErrors { field code message } } }"""


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    answer = await client.post(
        "/graphql", content=orjson.dumps({"query": query, "variables": variables})
    )
    body = orjson.loads(answer.content)
    assert answer.status_code == 200 and "errors" not in body, answer.text
    return body["data"]


def test_a_column_json_would_not_give_back_is_refused() -> None:
    """`reads.from_json` gives back the column types it knows; any other (an Enum's members, an
    interval) is refused when the statement is first read, not passed on as JSON's text."""
    for type_ in (SAEnum(PreferenceSource), Interval()):
        statements = {"part": select(literal(None, type_).label("odd"))}
        with pytest.raises(TypeError, match="odd"):
            reads.from_json({"part": [[None]]}, statements.__getitem__)
