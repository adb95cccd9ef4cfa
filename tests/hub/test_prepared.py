"""An HTTP operation whose document has run before runs without strawberry's extension runner
(hub/api/prepared.py), and answers exactly as the regular way does: the same status, media
type, headers and body, for reads, masked reads on a shared screen, a chosen operation of
several, typed and unexpected errors, limits that depend on the variables, variables that do
not fit, and mutations."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
from strawberry.extensions import SchemaExtension

from hub.api import prepared as prepared_module
from hub.api.context import Context
from hub.api.prepared import PreparedDocuments, RemembersPrepared, over_http
from hub.profile360 import reading
from hub.settings import Settings
from hub.web import schema as schema_module
from hub.web.schema import Query, RapportSchema, build_schema
from hub.web.view import RapportGraphQL
from tests.conftest import HubHandle, drama_phone, running_hub, unique
from tests.hub.gql import IDENTIFY, PROFILE_FIELDS, TRACK
from tests.hub.inprocess import serving
from tests.hub.test_realtime_e2e import _open

CRM = "14740"
PROFILE = """query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) {
  id displayName identifiers { kind value } preferences { key value label weight reason }
  consents { purpose granted } recentEvents(first: 20) { type occurredAt summary } } }"""
BY_EMAIL = """query($e: String!) { profile(identifier: {kind: EMAIL, value: $e}) { %s
  said: recentEvents(first: 5) { summary properties } } }""" % (PROFILE_FIELDS)
TWO = """query A($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) { id } }
query B($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) { displayName
  recentEvents(first: 3) { summary } } }"""
PAGED = """query($v: String!, $n: Int!) { profile(identifier: {kind: CRM_ID, value: $v}) {
  recentEvents(first: $n) {
  id type occurredAt summary touchpoint productSku quantity price messageId properties } } }"""
RESPONSE_MEDIA = "application/graphql-response+json"


class Hub:
    def __init__(self, client: httpx.AsyncClient, view: RapportGraphQL, keys: dict[str, str]):
        self.client = client
        self.view = view
        self.keys = keys

    def forget(self) -> None:
        """The next request of any document takes the regular way."""
        self.view.schema.prepared = PreparedDocuments()  # type: ignore[attr-defined]

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str = "admin",
        operation: str | None = None,
        accept: str = "application/json",
    ) -> tuple[int, str, bytes]:
        body: dict[str, Any] = {"query": query, "variables": variables}
        if operation is not None:
            body["operationName"] = operation
        answer = await self.client.post(
            "/graphql",
            content=orjson.dumps(body),
            headers={
                "Authorization": f"Bearer {self.keys[key]}",
                "Accept": accept,
                "Content-Type": "application/json",
            },
        )
        return answer.status_code, answer.headers["content-type"], answer.content

    async def both_ways(self, *args: Any, **kwargs: Any) -> tuple[int, str, bytes]:
        """The regular answer, after checking that the prepared way gives the same twice."""
        self.forget()
        regular = await self.post(*args, **kwargs)
        first = await self.post(*args, **kwargs)
        second = await self.post(*args, **kwargs)
        assert first == regular, (regular, first)
        assert second == regular, (regular, second)
        return regular


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each prepared run: True when it answered, False when it sent the request the regular way."""
    seen: list[bool] = []
    real = prepared_module.run_prepared

    async def counted(*args: Any, **kwargs: Any) -> Any:
        result = await real(*args, **kwargs)
        seen.append(result is not None)
        return result

    monkeypatch.setattr(schema_module, "run_prepared", counted)
    return seen


@pytest.fixture
async def hub(hub_database: tuple[str, dict[str, str]]) -> AsyncIterator[Hub]:
    url, keys = hub_database
    settings = Settings(
        database_url=url,
        retrain_on_start=False,
        rate_limits={},
        query_cost_budgets={"admin": 1000, "web": 1000, "kiosk": 1000, "callcenter": 1000},
    )
    async with serving(settings) as (client, view):
        yield Hub(client, view, keys)


async def test_a_read_runs_prepared_from_its_second_time_with_the_same_answer(
    hub: Hub, runs: list[bool]
) -> None:
    status, media, body = await hub.both_ways(PROFILE, {"v": CRM})
    assert status == 200 and media.startswith("application/json")
    assert b'"errors"' not in body and b'"displayName"' in body
    assert runs == [True, True], "the regular run first, then two prepared ones"
    # Another customer, the same document: prepared, and their own answer.
    other = await hub.post(PROFILE, {"v": "15276"})
    assert runs[-1] is True and other[2] != body and b'"errors"' not in other[2]


async def test_a_shared_screen_reads_contacts_masked_either_way(hub: Hub, runs: list[bool]) -> None:
    email, phone = f"jane.{unique()}@example.com", drama_phone()
    made = await hub.post(
        IDENTIFY,
        {
            "input": {
                "identifiers": [
                    {"kind": "EMAIL", "value": email},
                    {"kind": "PHONE", "value": phone},
                ],
                "touchpoint": "WEB",
            }
        },
    )
    assert b'"userErrors":[]' in made[2], made
    # Contact details in free text: an event's properties and the summary of a search.
    said = {"note": f"call me on {phone} or write to {email}"}
    event = {
        "messageId": unique("m"),
        "identifier": {"kind": "EMAIL", "value": email},
        "type": "SEARCH",
        "touchpoint": "WEB",
        "properties": {**said, "query": email},
    }
    tracked = await hub.post(TRACK, {"events": [event]})
    assert b'"accepted":1' in tracked[2], tracked
    _, _, body = await hub.both_ways(BY_EMAIL, {"e": email}, key="kiosk")
    text = body.decode()
    assert "j***@example.com" in text and phone[-4:] in text
    assert email not in text and phone not in text and phone.replace(" ", "") not in text
    assert text.count("j***@example.com") >= 3, "the identifier, the note and the search"
    _, _, full = await hub.both_ways(BY_EMAIL, {"e": email}, key="web")
    assert full.decode().count(email) >= 3
    assert runs.count(True) >= 4


async def test_the_operation_chosen_by_name_runs_prepared(hub: Hub, runs: list[bool]) -> None:
    b = await hub.both_ways(TWO, {"v": CRM}, operation="B")
    a = await hub.both_ways(TWO, {"v": CRM}, operation="A")
    assert b"displayName" in b[2] and b"displayName" not in a[2]
    # No name for a document of two: a request error, as GraphQL's GetOperation says (not
    # the first operation run), never prepared.
    before = len(runs)
    for accept in ("application/json", RESPONSE_MEDIA):
        status, _, body = await hub.both_ways(TWO, {"v": CRM}, accept=accept)
        assert status == 400 and b"BAD_REQUEST" in body, body
        assert b"name the one to run in `operationName`" in body and b'"data"' not in body
    assert len(runs) == before


async def test_errors_are_typed_or_masked_and_logged_the_same_way(
    hub: Hub, runs: list[bool], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A typed refusal: no such identifier kind value.
    typed = await hub.both_ways(PROFILE, {"v": ""})
    assert b'"code"' in typed[2]

    # A bug deep in the read: "Unexpected error." with its path, and a log line with a
    # traceback, on every run.
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail from deep inside")

    monkeypatch.setattr(reading, "lookup_with_parts", broken)
    with caplog.at_level(logging.ERROR):
        status, _, body = await hub.both_ways(PROFILE, {"v": CRM})
    assert status == 200 and b"Unexpected error." in body and b"secret" not in body
    ours = [r for r in caplog.records if r.getMessage().startswith("unexpected error")]
    assert len(ours) == 3 and all(r.exc_info for r in ours)
    # Strawberry's own line for each, with the original exception, before it was masked.
    theirs = [r for r in caplog.records if r.name == "strawberry.execution"]
    assert len(theirs) == 3 and all("secret detail" in r.getMessage() for r in theirs)
    assert runs[-2:] == [True, True]


async def test_limits_that_depend_on_the_variables_still_refuse(hub: Hub, runs: list[bool]) -> None:
    fine = await hub.both_ways(PAGED, {"v": CRM, "n": 2})
    assert b'"errors"' not in fine[2]
    # The same document asks for more than the budget: the prepared way hands it back to the
    # regular way, which refuses it, typed.
    for accept in ("application/json", RESPONSE_MEDIA):
        hub.forget()
        await hub.post(PAGED, {"v": CRM, "n": 2}, accept=accept)
        over = await hub.post(PAGED, {"v": CRM, "n": 100}, accept=accept)
        assert runs[-1] is False
        hub.forget()
        assert over == await hub.post(PAGED, {"v": CRM, "n": 100}, accept=accept)
        assert b"QUERY_TOO_COSTLY" in over[2]


async def test_variables_that_do_not_fit_answer_as_before(hub: Hub, runs: list[bool]) -> None:
    for accept in ("application/json", RESPONSE_MEDIA):
        hub.forget()
        await hub.post(PROFILE, {"v": CRM}, accept=accept)
        wrong = await hub.post(PROFILE, {"v": 5}, accept=accept)
        assert runs[-1] is True
        hub.forget()
        assert wrong == await hub.post(PROFILE, {"v": 5}, accept=accept)
        assert wrong[0] == (400 if accept == RESPONSE_MEDIA else 200)
        assert b'"data"' not in wrong[2] and b"String cannot represent" in wrong[2]


async def test_a_mutation_runs_prepared_and_writes(hub: Hub, runs: list[bool]) -> None:
    email = f"sam.{unique()}@example.com"
    variables = {"input": {"identifiers": [{"kind": "EMAIL", "value": email}], "touchpoint": "WEB"}}
    created = await hub.post(IDENTIFY, variables)
    assert b'"created":true' in created[2]
    again = await hub.both_ways(IDENTIFY, variables)
    assert b'"created":false' in again[2] and b'"userErrors":[]' in again[2]
    # A new customer through the prepared way is stored.
    other = f"kim.{unique()}@example.com"
    variables["input"]["identifiers"][0]["value"] = other
    made = await hub.post(IDENTIFY, variables)
    assert runs[-1] is True and b'"created":true' in made[2]
    found = await hub.post(BY_EMAIL, {"e": other})
    assert other.encode() in found[2]


def test_only_an_http_request_s_context_takes_the_prepared_way() -> None:
    class Request:
        def __init__(self, kind: str) -> None:
            self.scope = {"type": kind}

    hub = object()
    assert over_http(Context(hub=hub, request=Request("http")))  # type: ignore[arg-type]
    socket = Context(hub=hub, request=Request("websocket"))  # type: ignore[arg-type]
    assert not over_http(socket)
    signed_in = Context(hub=hub, request=Request("http"))  # type: ignore[arg-type]
    signed_in.bearer = "a key a socket connected with"
    assert not over_http(signed_in)
    assert not over_http(None) and not over_http({"request": None})


@pytest.fixture
def hub_process(hub_database: tuple[str, dict[str, str]]) -> Iterator[HubHandle]:
    """A hub of its own (uvicorn, its log kept): this module's `hub` is the in-process app."""
    with running_hub(*hub_database) as handle:
        yield handle


async def test_a_socket_is_told_which_operation_to_name(hub_process: HubHandle) -> None:
    """Over graphql-transport-ws, a document of several operations without a name, or with a
    name it does not hold, gets a typed error for that operation (no traceback logged); the
    socket stays open and the named operation runs."""
    logged = hub_process.log_path.read_text() if hub_process.log_path else ""
    socket = await _open(hub_process, hub_process.web_key)
    try:
        for number, name in enumerate((None, "C", "B")):
            payload = {"query": TWO, "variables": {"v": CRM}, "operationName": name}
            await socket.send(
                json.dumps({"id": str(number), "type": "subscribe", "payload": payload})
            )
            answer = json.loads(await asyncio.wait_for(socket.recv(), 5))
            if name == "B":
                assert answer["type"] == "next" and answer["payload"]["data"]["profile"]
                continue
            assert answer["type"] == "error", answer
            [error] = answer["payload"]
            assert error["extensions"] == {"code": "BAD_REQUEST"}
            expected = "name the one to run" if name is None else 'Unknown operation named "C"'
            assert expected in error["message"]
    finally:
        await socket.close()
    assert hub_process.log_path is not None
    since = hub_process.log_path.read_text()[len(logged) :]
    assert "Traceback" not in since and "unexpected error" not in since, since


async def test_a_schema_with_an_extension_prepared_does_not_stand_in_for_prepares_nothing() -> None:
    for introspection in (True, False):
        assert build_schema(Settings(introspection=introspection)).prepared is not None

    seen: list[str] = []

    class Stamp(SchemaExtension):
        """Per-request work `run_prepared` knows nothing of."""

        def on_execute(self) -> Iterator[None]:
            seen.append("stamped")
            yield

    schema = RapportSchema(query=Query, extensions=[RemembersPrepared, Stamp])
    assert schema.prepared is None
    for _ in range(3):
        result = await schema.execute("{ __typename }")
        assert result.data == {"__typename": "Query"}
    assert seen == ["stamped"] * 3
