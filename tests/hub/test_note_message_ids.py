"""`addNote(messageId:)`: a note sent again because its first answer was lost is stored once,
as `track` stores an event once by its messageId."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conftest import HubHandle, unique
from tests.hub.test_identity_e2e import identify

ADD = """mutation($id: ID!, $text: String!, $m: String) {
  addNote(profileId: $id, text: $text, messageId: $m) {
    note { id text } duplicate profile { id } userErrors { field code message } } }"""
NOTES = "query($id: ID) { profile(id: $id) { notes { id text } } }"
LINK = """mutation($ids: [ID!]!) { linkProfiles(profileIds: $ids) {
  profile { id } userErrors { code message } } }"""


def _customer(hub: HubHandle) -> str:
    answer = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))
    return str(answer["profile"]["id"])


def _add(hub: HubHandle, pid: str, text: str, message_id: str | None) -> dict[str, Any]:
    body = hub.gql(ADD, {"id": pid, "text": text, "m": message_id}, key=hub.agent_token())
    return dict(body["data"]["addNote"])


def _notes(hub: HubHandle, pid: str) -> list[str]:
    profile = hub.gql(NOTES, {"id": pid}, key=hub.agent_token())["data"]["profile"]
    return [n["text"] for n in profile["notes"]]


def test_a_note_sent_again_under_its_message_id_is_stored_once(hub: HubHandle) -> None:
    pid = _customer(hub)
    key = f"desk-{uuid.uuid4()}"
    first = _add(hub, pid, "Prefers a call after 6pm", key)
    assert first["userErrors"] == [] and first["duplicate"] is False, first
    again = _add(hub, pid, "Prefers a call after 6pm", key)
    assert again["userErrors"] == [] and again["duplicate"] is True, again
    assert again["note"] == first["note"]  # the answer the first send never got
    # Under its id a note is what it was first: a changed text sent with it changes nothing.
    changed = _add(hub, pid, "Prefers a call after 7pm", key)
    assert changed["duplicate"] is True and changed["note"]["text"] == "Prefers a call after 6pm"
    assert _notes(hub, pid) == ["Prefers a call after 6pm"]
    # Without an id, or with another one, each send is a note of its own, as before.
    assert _add(hub, pid, "Asked about returns", None)["duplicate"] is False
    assert _add(hub, pid, "Asked about returns", f"desk-{uuid.uuid4()}")["duplicate"] is False
    assert sorted(_notes(hub, pid)) == sorted(
        ["Prefers a call after 6pm", "Asked about returns", "Asked about returns"]
    )


def test_two_sends_of_one_note_at_once_store_it_once(hub: HubHandle) -> None:
    pid = _customer(hub)
    key = f"desk-{uuid.uuid4()}"
    hub.agent_token()  # signed in before the race
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: _add(hub, pid, "Two at once", key), range(4)))
    assert all(a["userErrors"] == [] for a in answers), answers
    assert sorted(a["duplicate"] for a in answers) == [False, True, True, True], answers
    assert len({a["note"]["id"] for a in answers}) == 1
    assert _notes(hub, pid) == ["Two at once"]


def test_a_note_s_message_id_follows_a_merge_and_is_refused_for_another_profile(
    hub: HubHandle,
) -> None:
    survivor, merged = _customer(hub), _customer(hub)
    key = f"desk-{uuid.uuid4()}"
    assert _add(hub, merged, "Called about a gift", key)["duplicate"] is False
    linked = hub.gql(LINK, {"ids": [survivor, merged]}, key=hub.agent_token())
    assert linked["data"]["linkProfiles"]["userErrors"] == [], linked
    kept = linked["data"]["linkProfiles"]["profile"]["id"]
    # Sent again to the id the desk had open (merged away since): still the one note.
    again = _add(hub, merged, "Called about a gift", key)
    assert again["duplicate"] is True and again["profile"]["id"] == kept, again
    other = _add(hub, _customer(hub), "Called about a gift", key)
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [(["messageId"], "CONFLICT")]
    assert other["note"] is None


def test_a_bad_message_id_is_a_typed_error_and_stores_nothing(hub: HubHandle) -> None:
    pid = _customer(hub)
    for message_id, code in (("", "REQUIRED"), ("m" * 201, "TOO_LONG"), ("a\u202eb", "INVALID")):
        answer = _add(hub, pid, "Never stored", message_id)
        assert [(e["field"], e["code"]) for e in answer["userErrors"]] == [(["messageId"], code)], (
            answer
        )
    assert _notes(hub, pid) == []
