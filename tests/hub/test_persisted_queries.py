"""Automatic persisted queries (hub/api/persisted.py): a document is kept only under the hash
of its own text, the store is bounded, and what a client sends wrong is refused in words."""

from __future__ import annotations

import hashlib
import json
import uuid

import httpx
import pytest

from hub.api.input_gate import BadInput
from hub.api.persisted import PersistedQueries, PersistedQueryNotFound
from tests.conftest import HubHandle


def _ext(text: str) -> dict[str, object]:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def test_a_document_is_kept_under_its_own_hash_and_the_store_is_bounded() -> None:
    store = PersistedQueries(size=2)
    first, second, third = "{ __typename }", "{ categories { name } }", "{ products { sku } }"
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(None, _ext(first))
    assert store.resolve(first, _ext(first)) == first
    assert store.resolve(None, _ext(first)) == first
    # Another document under that hash is refused: no one can swap what a hash runs.
    with pytest.raises(BadInput) as mismatch:
        store.resolve(second, _ext(first))
    assert mismatch.value.code == "PERSISTED_QUERY_HASH_MISMATCH"
    assert store.resolve(None, _ext(first)) == first
    store.resolve(second, _ext(second))
    store.resolve(None, _ext(first))  # used: the least recently used is now `second`
    store.resolve(third, _ext(third))
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(None, _ext(second))
    assert store.resolve(None, _ext(first)) == first
    assert store.resolve("{ x }", None) == "{ x }"  # no hash: the request as it is


def test_the_store_keeps_to_its_size_in_characters() -> None:
    """Any key holder could otherwise park 2,000 documents of 2 MB each in a hub's memory."""
    store = PersistedQueries(size=100, max_chars=1000)
    big = "{ __typename }" + " " * 120  # over a tenth of the budget: runs, is not kept
    assert store.resolve(big, _ext(big)) == big
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(None, _ext(big))
    texts = [f"{{ a{n}: __typename }}" + " " * 80 for n in range(12)]  # ~100 characters each
    for text in texts:
        store.resolve(text, _ext(text))
    assert store.resolve(None, _ext(texts[-1])) == texts[-1]
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(None, _ext(texts[0]))  # the oldest went to stay within 1,000
    kept = [t for t in texts if _known(store, t)]
    assert sum(map(len, kept)) <= 1000 and len(kept) >= 9


def _known(store: PersistedQueries, text: str) -> bool:
    try:
        store.resolve(None, _ext(text))
    except PersistedQueryNotFound:
        return False
    return True


@pytest.mark.parametrize(
    "persisted",
    [
        "abc",
        {"version": 2, "sha256Hash": "a" * 64},
        {"version": 1, "sha256Hash": "A" * 64},
        {"version": 1, "sha256Hash": "a" * 63},
        {"version": 1},
    ],
)
def test_a_malformed_hash_is_refused(persisted: object) -> None:
    with pytest.raises(BadInput) as refused:
        PersistedQueries().resolve(None, {"persistedQuery": persisted})
    assert refused.value.code == "BAD_REQUEST" and "sha256Hash" in refused.value.message


def test_persisted_queries_over_http(hub: HubHandle) -> None:
    """As Apollo's PersistedQueryLink asks: the hash alone (NOT_FOUND), the document with its
    hash, then the hash alone — over POST and over GET."""
    text = "query Persisted { categories { name } }"
    headers = {"Authorization": f"Bearer {hub.web_key}"}
    url = f"{hub.url}/graphql"
    alone = {"extensions": _ext(text)}
    unknown = httpx.post(url, json=alone, headers=headers, timeout=30)
    assert unknown.status_code == 200
    error = unknown.json()["errors"][0]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    wrong = httpx.post(url, json={"query": "{ __typename }", **alone}, headers=headers, timeout=30)
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    stored = httpx.post(url, json={"query": text, **alone}, headers=headers, timeout=30)
    assert stored.status_code == 200 and stored.json()["data"]["categories"]
    again = httpx.post(url, json=alone, headers=headers, timeout=30)
    assert again.json() == stored.json()
    params = {"extensions": json.dumps(alone["extensions"])}
    by_get = httpx.get(url, params=params, headers=headers, timeout=30)
    assert by_get.status_code == 200 and by_get.json() == stored.json()


def test_a_persisted_mutation_keeps_an_integer_beyond_64_bits(hub: HubHandle) -> None:
    """A request named by its hash is written out again with its document filled in; an
    integer beyond 64 bits in its variables stays that integer (orjson, which checks the body,
    reads it as a float), so a property holding it is refused as not storable, as when the
    document is sent."""
    headers = {"Authorization": f"Bearer {hub.web_key}"}
    url = f"{hub.url}/graphql"
    track = (
        "mutation Persisted($events: [EventInput!]!) { track(events: $events) "
        "{ accepted userErrors { field code } } }"
    )
    sku = httpx.post(
        url, json={"query": "{ products(first: 1) { sku } }"}, headers=headers, timeout=30
    ).json()["data"]["products"][0]["sku"]

    def events() -> list[dict[str, object]]:
        return [
            {
                "messageId": uuid.uuid4().hex,
                "identifier": {"kind": "ANONYMOUS_ID", "value": uuid.uuid4().hex},
                "type": "VIEW",
                "touchpoint": "WEB",
                "productSku": sku,
                "properties": {"big": 10**30},
            }
        ]

    sent = {"query": track, "variables": {"events": events()}, "extensions": _ext(track)}
    for body in (sent, {"variables": {"events": events()}, "extensions": _ext(track)}):
        answer = httpx.post(url, json=body, headers=headers, timeout=30).json()
        assert answer["data"]["track"] == {
            "accepted": 0,
            "userErrors": [{"field": ["events", "0", "properties"], "code": "INVALID"}],
        }, answer
