"""What every request body and WebSocket message must be before GraphQL sees it: small
enough, strict JSON (UTF-8, no NaN or Infinity, numbers that fit a double), no NUL characters
(PostgreSQL cannot store them in text), and not nested deeper than any GraphQL input needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import orjson
from graphql import BREAK, DocumentNode, StringValueNode, Visitor, visit

from hub import jsontext
from hub.errors import NO_NUL, NUL

# A JSON \\u0000 escape (not an escaped backslash followed by "u0000").
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\[uU]0000")


def _may_escape_nul(raw: bytes) -> bool:
    # The regex tries every position of the body (6 ms for a 1,000-event `track`); a plain
    # substring test (0.2 ms) says first whether there is anything for it to find.
    return b"\\u0000" in raw or b"\\U0000" in raw


class BadInput(Exception):
    """A body or message refused before any work, with its HTTP status, WebSocket close
    code, error code and plain words."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        ws_code: int = 4400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.ws_code = ws_code
        self.headers = headers  # of an HTTP refusal


def _nul() -> BadInput:
    return BadInput(400, "INVALID", NO_NUL)


def nul_in_document(query: str | None, document: DocumentNode) -> bool:
    """Whether a string in the GraphQL document itself holds a NUL: written as `\\u0000` or
    `\\u{0}` inside the document's text, it is not a JSON escape, so `check_message` lets it
    by, and the parser makes it a NUL (which PostgreSQL refuses to store)."""
    if query is not None and "\\u" not in query:
        return False  # no escape at all: the usual case, decided without a walk
    finder = _NulFinder()
    visit(document, finder)
    return finder.found


class _NulFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: object) -> object:
        if NUL in node.value:
            self.found = True
            return BREAK
        return None


def too_large(limit: int) -> BadInput:
    return BadInput(413, "TOO_LARGE", f"The request is larger than {limit} bytes.", 1009)


def check_message(raw: bytes, max_bytes: int, max_depth: int, what: str = "The body") -> Any:
    """The parsed JSON value of `raw` (`what` names it in a refusal), or BadInput; the value
    the stdlib's `json` reads (orjson's, but where that would differ)."""
    if len(raw) > max_bytes:
        raise too_large(max_bytes)
    if b"\x00" in raw or (_may_escape_nul(raw) and _NUL_ESCAPE.search(raw)):
        raise _nul()
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise BadInput(
            400, "INVALID_JSON", f"{what} is not valid JSON ({_reason(error)})."
        ) from error
    if _deeper_than(value, max_depth):
        raise BadInput(400, "TOO_DEEP", f"JSON may be nested at most {max_depth} levels deep.")
    try:
        return jsontext.exactly(raw, value)  # 10**30 as sent, not as orjson's 1e+30
    except RecursionError as error:  # a depth limit set near a thousand or above
        raise BadInput(400, "TOO_DEEP", "JSON may not be nested this deep.") from error


# Where the gate leaves a POST's request, parsed and checked by `check_request`, in the ASGI
# scope: the GraphQL view reads it from there instead of parsing the body again.
PARSED_REQUEST = "rapport.request"

_REQUEST_FIELDS = {
    "query": (str, "a string"),
    "operationName": (str, "a string"),
    "variables": (dict, "an object"),
    "extensions": (dict, "an object"),
}


def check_request(raw: bytes, max_bytes: int, max_depth: int) -> dict[str, Any]:
    """A GraphQL-over-HTTP request body: a JSON object with a string `query` and, if given,
    an object of `variables`, a string `operationName` and an object of `extensions`."""
    value = check_message(raw, max_bytes, max_depth)
    if not isinstance(value, dict):
        raise BadInput(
            400,
            "BAD_REQUEST",
            'A GraphQL request is a JSON object such as {"query": "{ __typename }"}.',
        )
    for name, (kind, words) in _REQUEST_FIELDS.items():
        if value.get(name) is not None and not isinstance(value[name], kind):
            raise BadInput(400, "BAD_REQUEST", f"`{name}` must be {words} or null.")
    if not isinstance(value.get("query"), str) and not _persisted(value.get("extensions")):
        raise _no_query()
    return value


def _no_query() -> BadInput:
    # A request may leave out its document when it names one by hash (hub/api/persisted.py).
    return BadInput(400, "BAD_REQUEST", "The request needs a `query`: a GraphQL document.")


def _persisted(extensions: Any) -> bool:
    return isinstance(extensions, dict) and "persistedQuery" in extensions


def check_get_request(query_string: bytes, max_bytes: int, max_depth: int) -> dict[str, Any]:
    """A query sent as GET (GraphQL over HTTP: `?query=…&variables=…`), held to what a POST's
    body is: no NUL characters, strict JSON objects for `variables` and `extensions` (not
    nested too deep), one value per parameter, a `query` to run (or a persisted query's
    hash). The parameters, with `variables` and `extensions` parsed."""
    try:
        params = parse_qs(query_string.decode("ascii"), strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as error:
        raise BadInput(400, "BAD_REQUEST", "The query string is not URL-encoded UTF-8.") from error
    for name, values in params.items():
        if len(values) > 1:
            raise BadInput(400, "BAD_REQUEST", f"`{name}` may be given once.")
        if NUL in name or NUL in values[0]:
            raise _nul()
    request: dict[str, Any] = {name: values[0] for name, values in params.items()}
    for name in ("variables", "extensions"):
        if name in params:
            value = check_message(params[name][0].encode(), max_bytes, max_depth, f"`{name}`")
            if value is not None and not isinstance(value, dict):
                raise BadInput(400, "BAD_REQUEST", f"`{name}` must be a JSON object or null.")
            request[name] = value
    if "query" not in params and not _persisted(request.get("extensions")):
        raise _no_query()
    return request


def _reason(error: orjson.JSONDecodeError) -> str:
    return str(error).split(":", 1)[0]


def _deeper_than(value: Any, limit: int) -> bool:
    # Level by level: each level's containers hand on their children in one extend (a 1,000
    # event `track` body is checked in ~1 ms, a quarter of a walk item by item).
    level = [value]
    depth = 0
    while level:
        containers = [item for item in level if isinstance(item, (dict, list))]
        if not containers:
            return False
        depth += 1
        if depth > limit:
            return True
        level = []
        for item in containers:
            level.extend(item.values() if isinstance(item, dict) else item)
    return False


# graphql-ws sends UUIDs (36 characters), other clients counters: an id is echoed in every
# message of its operation and kept as long as a subscription runs.
MAX_OPERATION_ID = 256
# A subscription keeps its document and variables for as long as it runs; the documents
# clients send for one are a few hundred characters (hub/realtime/schema.py).
MAX_SUBSCRIPTION_CHARACTERS = 16_384


def subscription_size(payload: Mapping[str, Any]) -> int:
    """About what a running subscription keeps of its `subscribe` payload, in characters."""
    kept = (payload.get(name) for name in ("variables", "extensions"))
    return len(payload.get("query") or "") + sum(len(orjson.dumps(v)) for v in kept if v)


def check_socket_message(message: Any) -> None:
    """A graphql-transport-ws message from a client, or BadInput (closed with 4400): the shape
    the protocol's reference server (graphql-ws, `validateMessage`) holds clients to, so that
    a message of the wrong shape is refused in words rather than failing inside an operation."""
    if not isinstance(message, dict):
        raise _bad_message(f"A message must be a JSON object, not {_json_type(message)}.")
    kind = message.get("type")
    if not isinstance(kind, str) or not kind:
        raise _bad_message("A message needs a `type` string.")
    if kind in ("connection_init", "ping", "pong"):
        if message.get("payload") is not None and not isinstance(message["payload"], dict):
            raise _bad_message(f"`{kind}`'s payload must be an object, if any.")
    elif kind in ("subscribe", "complete"):
        if not isinstance(message.get("id"), str) or not message["id"]:
            raise _bad_message(f"`{kind}` needs a non-empty `id` string.")
        if len(message["id"]) > MAX_OPERATION_ID:
            raise _bad_message(f"An operation's `id` is at most {MAX_OPERATION_ID} characters.")
        if kind == "subscribe":
            _check_subscribe_payload(message.get("payload"))


def _check_subscribe_payload(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise _bad_message("`subscribe` needs a `payload` object.")
    if not isinstance(payload.get("query"), str):
        raise _bad_message("`subscribe`'s `query` must be a string.")
    for name, kind in (("variables", dict), ("operationName", str), ("extensions", dict)):
        if payload.get(name) is not None and not isinstance(payload[name], kind):
            wanted = "an object" if kind is dict else "a string"
            raise _bad_message(f"`subscribe`'s `{name}` must be {wanted}, if any.")


def _bad_message(message: str) -> BadInput:
    return BadInput(400, "BAD_REQUEST", message)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else type(value).__name__
