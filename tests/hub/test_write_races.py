"""A merge or an erasure that commits while `track` or `identify` is deciding whose identifiers
these are, or while a write that names its profile by id (`setPreferences`) finds it. Each test
pauses the write at the moment it looks its owners or its profile up (the module's own function,
wrapped) and runs the other write then, through the same app.

On SQLite a write's reads used to stand alone until its first INSERT: a merge committing in
between left the batch's events on the merged-away profile, and an erasure made the batch fail
with CONFLICT. On both stores an erasure committing after the batch (or `identify`) had read
the suppressions, but before it looked the owners up, had the erased identifier attached anew
to a profile of its own, with the event: a customer who asked to be forgotten was stored again.
And on both stores a like set while the profile was merged away stayed on the merged-away
profile, where no read of the customer finds it; on PostgreSQL an agent's link or split moved
the profile's events before the batch's event was in, and left that one behind.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy import text

from hub import suppression
from hub.identity import bulk
from hub.identity import service as identity
from hub.profiles import service as profiles
from tests.hub.gql import IDENTIFY, SET_PREFERENCES, TRACK
from tests.hub.inprocess import serving_store

ERASE = "mutation($id: ID!) { eraseProfile(profileId: $id) { erased userErrors { code } } }"
ERASED = {"data": {"eraseProfile": {"erased": True, "userErrors": []}}}
Ask = Callable[[str, dict[str, Any], str], Coroutine[Any, Any, dict[str, Any]]]
App = tuple[Ask, Any]  # how a test asks the app (a GraphQL request with a key), and its view


@pytest.fixture
async def app(hub_database: tuple[str, dict[str, str]]) -> AsyncIterator[App]:
    """The app in this process (`serving_store`), on the run's store."""
    async with serving_store(hub_database) as (client, view, keys):
        yield _asker(client, keys), view


def _asker(client: Any, keys: dict[str, str]) -> Ask:
    async def ask(query: str, variables: dict[str, Any], key: str) -> dict[str, Any]:
        answer = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {keys[key]}"},
        )
        body: dict[str, Any] = answer.json()
        return body

    return ask


async def _identified(ask: Ask, *identifiers: tuple[str, str]) -> dict[str, Any]:
    answer = await ask(
        IDENTIFY,
        {
            "input": {
                "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
                "touchpoint": "WEB",
            }
        },
        "admin",
    )
    found: dict[str, Any] = answer["data"]["identify"]
    return found


async def _one_customer(ask: Ask) -> tuple[str, str]:
    """A customer known by a new email: (email, profile id)."""
    email = f"race-{uuid.uuid4().hex[:10]}@example.com"
    return email, (await _identified(ask, ("EMAIL", email)))["profile"]["id"]


async def _two_customers(ask: Ask) -> tuple[str, str, str, str]:
    """Two profiles of one person, not yet merged: (email, loyalty id, the older profile's id
    (the loyalty id's: it survives a merge), the newer one's (the email's))."""
    tag = uuid.uuid4().hex[:10]
    email, loyalty = f"race-{tag}@example.com", f"LY{tag}".upper()
    older = (await _identified(ask, ("LOYALTY_ID", loyalty)))["profile"]["id"]
    await asyncio.sleep(0.01)
    newer = (await _identified(ask, ("EMAIL", email)))["profile"]["id"]
    return email, loyalty, older, newer


def _view(email: str, message: str) -> dict[str, Any]:
    event = {
        "messageId": message,
        "identifier": {"kind": "EMAIL", "value": email},
        "type": "VIEW",
        "touchpoint": "WEB",
        "productSku": "85123A",
    }
    return {"events": [event]}


async def _tracked(ask: Ask, email: str) -> str:
    """One VIEW by this email through the web key, accepted: its message id."""
    message = uuid.uuid4().hex
    tracked = await ask(TRACK, _view(email, message), "web")
    assert tracked["data"]["track"]["accepted"] == 1, tracked
    return message


async def _rows(view: Any, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with view.hub.db.sessions() as session:
        return [tuple(r) for r in (await session.execute(text(sql), params)).all()]


async def _holders(view: Any, message: str) -> list[tuple[Any, ...]]:
    """The profile holding the event with this message id (as a one-column row), if any."""
    return await _rows(view, "SELECT profile_id FROM events WHERE message_id = :m", m=message)


class _After:
    """`other` (a whole request) run once while a write calls `module.name` (wrapped): just
    after the call returns — the write has read what it decides on and has not written yet —
    or, with `before`, just before it runs. The write waits for `other` up to `wait` seconds
    (None: until it ends) and goes on whether it has ended or not (a request waiting for this
    write's lock cannot end first); `first` says whether it had; `finished` waits for it."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        module: Any,
        name: str,
        other: Callable[[], Coroutine[Any, Any, Any]],
        *,
        before: bool = False,
        wait: float | None = 1.0,
    ) -> None:
        self.answers: list[Any] = []
        self.first = False
        self._pending: list[asyncio.Task[Any]] = []
        real = getattr(module, name)

        async def meanwhile() -> None:
            self._pending.append(asyncio.create_task(other()))
            done, _ = await asyncio.wait(self._pending, timeout=wait)
            self.first = bool(done)

        async def paused(*args: Any, **kwargs: Any) -> Any:
            if before and not self._pending:
                await meanwhile()
            found = await real(*args, **kwargs)
            if not self._pending:
                await meanwhile()
            return found

        monkeypatch.setattr(module, name, paused)

    async def finished(self) -> list[Any]:
        self.answers.extend([await task for task in self._pending])
        self._pending.clear()
        return self.answers


def _meanwhile(
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    other: Callable[[], Coroutine[Any, Any, dict[str, Any]]],
    *,
    before: bool,
    name: str = "locked_owners",
) -> _After:
    """Another request run once while a write looks its owners up (`module.locked_owners`):
    just before the look (run to its end first), or just after it (given a second)."""
    return _After(monkeypatch, module, name, other, before=before, wait=None if before else 1.0)


def _merging(
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    ask: Ask,
    email: str,
    loyalty: str,
    name: str = "locked_owners",
) -> _After:
    """The two profiles of `_two_customers` merged (`identify` with both identifiers) just
    after a write looks its owners (or its profile, `name`) up."""
    return _meanwhile(
        monkeypatch,
        module,
        lambda: _identified(ask, ("EMAIL", email), ("LOYALTY_ID", loyalty)),
        before=False,
        name=name,
    )


async def _merged_into(merging: _After, survivor: str) -> None:
    (merged,) = await merging.finished()
    assert merged["merged"] is True and merged["profile"]["id"] == survivor


def _erasing(
    monkeypatch: pytest.MonkeyPatch, module: Any, ask: Ask, profile_id: str, *, before: bool
) -> _After:
    """The profile erased (by an admin) while a write looks its owners up."""
    return _meanwhile(
        monkeypatch, module, lambda: ask(ERASE, {"id": profile_id}, "admin"), before=before
    )


async def test_an_erasure_after_track_found_the_owner_erases_the_batch_too(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask, view = app
    email, profile_id = await _one_customer(ask)
    erased = _erasing(monkeypatch, bulk, ask, profile_id, before=False)
    tracked = await ask(TRACK, _view(email, uuid.uuid4().hex), "web")
    # The batch went in first (the erasure waited for it), then the erasure took it away.
    # Before: on SQLite the erasure went first and the batch failed with CONFLICT.
    assert tracked["data"]["track"] == {"accepted": 1, "duplicates": 0, "userErrors": []}
    assert await erased.finished() == [ERASED]
    for table in ("events", "affinities", "identifiers"):
        assert await _rows(view, f"SELECT 1 FROM {table} WHERE profile_id = :p", p=profile_id) == []


async def test_an_erasure_before_track_looks_up_owners_is_not_made_anew(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask, view = app
    email, profile_id = await _one_customer(ask)
    erased = _erasing(monkeypatch, bulk, ask, profile_id, before=True)
    message = uuid.uuid4().hex
    tracked = await ask(TRACK, _view(email, message), "web")
    assert await erased.finished() == [ERASED]
    # Dropped as an erased customer's late event is; before, a new profile held the
    # erased address and the event.
    assert tracked["data"]["track"] == {"accepted": 0, "duplicates": 0, "userErrors": []}
    assert await _rows(view, "SELECT 1 FROM events WHERE message_id = :m", m=message) == []
    assert await _rows(view, "SELECT 1 FROM identifiers WHERE value = :v", v=email) == []
    assert await _rows(
        view, "SELECT dropped FROM suppressions WHERE kind = 'EMAIL' AND dropped > 0"
    ), "the dropped event is counted against the suppression"


async def test_a_merge_after_track_found_the_owner_leaves_the_events_on_the_survivor(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask, view = app
    email, loyalty, survivor, gone = await _two_customers(ask)
    merging = _merging(monkeypatch, bulk, ask, email, loyalty)
    message = await _tracked(ask, email)
    await _merged_into(merging, survivor)
    # Before, on SQLite: the merge went first and the event (and what it taught) stayed on
    # the merged-away profile, where no read of the customer finds it.
    assert await _holders(view, message) == [(survivor,)]
    assert await _rows(view, "SELECT 1 FROM affinities WHERE profile_id = :p", p=gone) == []


async def test_an_erasure_before_identify_looks_up_owners_is_refused_as_suppressed(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask, view = app
    email, profile_id = await _one_customer(ask)
    erased = _erasing(monkeypatch, identity, ask, profile_id, before=True)
    again = await _identified(ask, ("EMAIL", email))
    assert await erased.finished() == [ERASED]
    assert again["profile"] is None
    assert [e["code"] for e in again["userErrors"]] == ["SUPPRESSED"]
    assert await _rows(view, "SELECT 1 FROM identifiers WHERE value = :v", v=email) == []


async def test_a_merge_after_set_preferences_found_the_profile_moves_the_preference_too(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask, view = app
    email, loyalty, survivor, gone = await _two_customers(ask)
    merging = _merging(monkeypatch, profiles, ask, email, loyalty, name="require")
    said = await ask(
        SET_PREFERENCES,
        {
            "id": gone,
            "tp": "WEB",
            "prefs": [{"key": "theme", "value": "Vintage", "like": True}],
        },
        "admin",
    )
    assert said["data"]["setPreferences"]["userErrors"] == []
    await _merged_into(merging, survivor)
    # Before: the merge went first and the like stayed on the merged-away profile.
    assert await _rows(
        view,
        "SELECT profile_id FROM preferences WHERE value = 'Vintage' AND profile_id IN (:a, :b)",
        a=survivor,
        b=gone,
    ) == [(survivor,)]


LINK = (
    "mutation($ids: [ID!]!) { linkProfiles(profileIds: $ids) { profile { id } "
    "userErrors { code } } }"
)


async def test_a_link_after_track_found_the_owner_leaves_the_events_on_the_survivor(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask, view = app
    email, _, survivor, gone = await _two_customers(ask)
    linking = _meanwhile(
        monkeypatch, bulk, lambda: ask(LINK, {"ids": [gone, survivor]}, "admin"), before=False
    )
    message = await _tracked(ask, email)
    (linked,) = await linking.finished()
    assert linked["data"]["linkProfiles"] == {"profile": {"id": survivor}, "userErrors": []}
    assert await _holders(view, message) == [(survivor,)]
    assert await _rows(view, "SELECT 1 FROM affinities WHERE profile_id = :p", p=gone) == []


SPLIT = (
    "mutation($id: ID!) { splitProfile(mergeId: $id) { survivor { id } restored { id } "
    "userErrors { code } } }"
)


async def _linked(ask: Ask, *profile_ids: str) -> str:
    """The profiles linked into one by an agent (admin key): the merge's id."""
    linked = await ask(
        "mutation($ids: [ID!]!) { linkProfiles(profileIds: $ids) { merges { id } } }",
        {"ids": list(profile_ids)},
        "admin",
    )
    (merge,) = linked["data"]["linkProfiles"]["merges"]
    return str(merge["id"])


async def test_a_split_after_track_found_the_owner_moves_the_new_event_back_too(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask, view = app
    email, _, survivor, restored = await _two_customers(ask)
    merge = await _linked(ask, restored, survivor)
    splitting = _meanwhile(
        monkeypatch, bulk, lambda: ask(SPLIT, {"id": merge}, "admin"), before=False
    )
    message = await _tracked(ask, email)  # the email is the survivor's now
    (split,) = await splitting.finished()
    assert split["data"]["splitProfile"]["userErrors"] == []
    # The split moves back the merge's identifiers and the events sent with them since,
    # this one among them; before, on PostgreSQL, it stayed on the survivor.
    assert await _holders(view, message) == [(restored,)]


async def test_an_erased_customer_s_events_sent_at_once_are_each_counted_as_dropped(
    app: App,
) -> None:
    ask, view = app
    email, profile_id = await _one_customer(ask)
    assert await ask(ERASE, {"id": profile_id}, "admin") == ERASED
    answers = await asyncio.gather(
        *(ask(TRACK, _view(email, uuid.uuid4().hex), "web") for _ in range(8))
    )
    assert all(a["data"]["track"]["accepted"] == 0 for a in answers), answers
    (dropped,) = await _rows(
        view,
        "SELECT dropped FROM suppressions WHERE value_hash = :h",
        h=suppression.identifier_hash("EMAIL", email),
    )
    # Before, each read the count and wrote it back one more: writes at once counted as one.
    assert dropped == (8,)


async def test_a_merge_split_many_times_at_once_is_split_once(app: App) -> None:
    """Each split read the merge as not yet split: four at once all split it (three on
    PostgreSQL), each moving back what the one before had moved back already."""
    ask, _ = app
    _, _, survivor, restored = await _two_customers(ask)
    merge = await _linked(ask, restored, survivor)
    answers = await asyncio.gather(*(ask(SPLIT, {"id": merge}, "admin") for _ in range(4)))
    done = [a["data"]["splitProfile"] for a in answers]
    assert len([d for d in done if not d["userErrors"]]) == 1, done
    assert all(d["userErrors"] == [{"code": "CONFLICT"}] for d in done if d["userErrors"])


async def test_a_batch_whose_ids_another_writer_stores_meanwhile_counts_them_as_duplicates(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import's chunks (or another replica's batches) keep committing message ids of a
    `track` batch between its look at the ids stored and its insert: each attempt of the batch
    met the next such commit at the unique key, and after three the caller got "Unexpected
    error." (seen with `rapport-hub import` running beside a serving hub). Each attempt here
    has another request store one more of the batch's ids just before the owners are looked up;
    the ids stored meanwhile are duplicates, the rest go in."""
    ask, view = app
    email, _ = await _one_customer(ask)
    messages = [uuid.uuid4().hex for _ in range(3)]
    batch = {"events": [_view(email, m)["events"][0] for m in messages]}
    real = bulk.locked_owners
    others: list[dict[str, Any]] = []
    inside: list[bool] = []  # an other request's own look passes through

    async def meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not inside and len(others) < len(messages):  # one of the batch's attempts
            inside.append(True)
            others.append(await ask(TRACK, _view(email, messages[len(others)]), "web"))
            inside.clear()
        return await real(*args, **kwargs)

    monkeypatch.setattr(bulk, "locked_owners", meanwhile)
    tracked = await ask(TRACK, batch, "web")
    assert others[0]["data"]["track"]["accepted"] == 1, others
    assert tracked.get("errors") is None, tracked
    stored_by_others = len([o for o in others if o["data"]["track"]["accepted"] == 1])
    assert tracked["data"]["track"] == {
        "accepted": len(messages) - stored_by_others,
        "duplicates": stored_by_others,
        "userErrors": [],
    }
    for message in messages:
        assert len(await _holders(view, message)) == 1


async def test_a_new_identifier_whose_every_event_another_writer_stored_meanwhile_gets_no_profile(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's events are all stored by another writer (an import's chunk, another replica)
    under another identifier after the batch's first look at the ids and before it looks its
    owners up: the batch counted them as duplicates but still made a profile for its new
    identifier, which then held no event and no change of its own (an empty ghost profile that
    search and the agents' screens list)."""
    ask, view = app
    email, _ = await _one_customer(ask)
    newcomer = f"ghost-{uuid.uuid4().hex[:10]}@example.com"
    message = uuid.uuid4().hex
    stored = _meanwhile(
        monkeypatch, bulk, lambda: ask(TRACK, _view(email, message), "web"), before=True
    )
    tracked = await ask(TRACK, _view(newcomer, message), "web")
    (other,) = await stored.finished()
    assert other["data"]["track"]["accepted"] == 1, other
    assert tracked["data"]["track"] == {"accepted": 0, "duplicates": 1, "userErrors": []}
    assert len(await _holders(view, message)) == 1
    assert await _rows(view, "SELECT 1 FROM identifiers WHERE value = :v", v=newcomer) == []
