"""Validation answered once per parsed document, found by the document's identity.

strawberry's ValidationCache keys an `lru_cache` by (schema, document, rules), so every request
hashes the whole document: graphql-core's AST nodes are frozen dataclasses whose hash walks
every node, about 2 % of a profile read's CPU. The parse cache (ParserCache) hands every request
of the same query text the same document object, so its identity is key enough: an entry keeps
its document alive (no other document can take its id while the entry lasts) and is used only
for the same schema and the same validation rules. A document parsed again (after the parse
cache let it go) is validated again, as with strawberry's cache.

The parse cache itself is strawberry's, with one change (`ReportingParserCache`): a document
that does not parse is reported to the client on a WebSocket too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, TypeGuard

from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import validate_document

MAX_ENTRIES = 1000
# Documents longer than this are parsed and validated afresh each time and never kept (here,
# in the parse cache, or as prepared): one string literal is one token, so a document of a few
# thousand tokens may be megabytes long, and 1,000 of them kept would be gigabytes a key holder
# could park in a hub's memory. A client's real documents are a few kilobytes.
CACHED_CHARS = 65_536


def cacheable(query: str | None) -> TypeGuard[str]:
    return query is not None and len(query) <= CACHED_CHARS


# id(document) → (document, schema, rules, the errors validation found)
_VALIDATED: dict[int, tuple[Any, Any, Any, list[Any]]] = {}


class DocumentValidationCache(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, schema, rules = (
            context.graphql_document,
            context.schema._schema,
            context.validation_rules,
        )
        if document is None or not rules or not cacheable(context.query):
            yield  # nothing to validate, or a document not to keep: strawberry's own way
            return
        found = _VALIDATED.get(id(document))
        if found is None or found[0] is not document or found[1] is not schema or found[2] != rules:
            errors = validate_document(schema, document, rules)
            if len(_VALIDATED) >= MAX_ENTRIES:
                _VALIDATED.clear()
            found = _VALIDATED[id(document)] = (document, schema, rules, errors)
        context.pre_execution_errors = found[3]
        yield


class ReportingParserCache(ParserCache):
    """strawberry's ParserCache, but a document that does not parse is reported as the
    operation's error on every transport. ParserCache parses in its `on_parse` hook, outside
    the step that turns a syntax error into the operation's error: over HTTP strawberry's
    `execute` catches it anyway, but an operation on a WebSocket (`stream`) ended with a
    logged traceback and a bare `complete`, the client never told what was wrong. Here the
    hook leaves such a document unparsed, and strawberry's own parse (with the same options:
    the token limit included) finds the same error where it reports it."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if not cacheable(context.query):
            yield  # strawberry's own parse, the document not kept
            return
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield
