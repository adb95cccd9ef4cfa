"""Automatic persisted queries, as Apollo Client's PersistedQueryLink speaks them (and Apollo
Server, GraphQL Yoga and Hasura answer them).

A client sends `extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}` and no
`query`; when this hub process has seen that document it runs it, else it answers
PERSISTED_QUERY_NOT_FOUND and the client sends the document with its hash, which is kept here
(a bounded, per-process store: another hub process may answer NOT_FOUND once more). A
document is kept only under the SHA-256 of its own text, so no one can put another document
behind a hash a different client uses."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from typing import Any

from hub.api.input_gate import BadInput

NOT_FOUND = "PersistedQueryNotFound"  # the message Apollo's link also recognises
_HASH = re.compile(r"[0-9a-f]{64}")


class PersistedQueryNotFound(Exception):
    """The hash is not known to this hub process: the client sends the document with it."""


class PersistedQueries:
    """The most recently used documents, at most `size` of them and `max_chars` in all (a
    document longer than a tenth of that runs but is not kept)."""

    def __init__(self, size: int = 2000, max_chars: int = 16_000_000) -> None:
        self.size = size
        self.max_chars = max_chars
        self._chars = 0
        self._documents: OrderedDict[str, str] = OrderedDict()

    def resolve(self, query: Any, extensions: Any) -> Any:
        """The document to run: `query` itself, or the one kept under the request's hash.
        Raises BadInput (a malformed or mismatched hash) or PersistedQueryNotFound."""
        if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
            return query
        persisted = extensions["persistedQuery"]
        if (
            not isinstance(persisted, dict)
            or persisted.get("version") != 1
            or not isinstance(persisted.get("sha256Hash"), str)
            or not _HASH.fullmatch(persisted["sha256Hash"])
        ):
            raise BadInput(
                400,
                "BAD_REQUEST",
                "`extensions.persistedQuery` must be "
                '{"version": 1, "sha256Hash": "<64 lowercase hex digits>"}.',
            )
        digest: str = persisted["sha256Hash"]
        if isinstance(query, str):
            if hashlib.sha256(query.encode()).hexdigest() != digest:
                raise BadInput(
                    400,
                    "PERSISTED_QUERY_HASH_MISMATCH",
                    "`sha256Hash` is not the SHA-256 of this `query`.",
                )
            if digest not in self._documents and len(query) <= self.max_chars // 10:
                self._documents[digest] = query
                self._chars += len(query)
                while len(self._documents) > self.size or self._chars > self.max_chars:
                    self._chars -= len(self._documents.popitem(last=False)[1])
            elif digest in self._documents:
                self._documents.move_to_end(digest)
            return query
        if query is not None:
            return query  # not a string: the usual check refuses it
        document = self._documents.get(digest)
        if document is None:
            raise PersistedQueryNotFound
        self._documents.move_to_end(digest)
        return document
