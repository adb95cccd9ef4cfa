"""Documents that have run once over HTTP run again without strawberry's extension runner.

Strawberry runs every operation through its extension runner: an extension instance per
factory, a context manager per hook and extension, the parse and validation steps with their
caches, each on every request: ~10 % of a profile read's CPU for work whose outcome, for a
document it has already accepted, is known. A query or mutation text that got as far as
execution over HTTP has parsed, stayed under the token and depth limits and validated (the
introspection rule included), all of which depend on the text alone; `RemembersPrepared`
keeps its parsed document. The next HTTP request with the same text and operation name runs
`run_prepared`, which does what the schema's extensions do per request, in the same order,
as plain calls to the same functions:

- the cost, alias and root-field limits for this caller and these variables
  (`limits.refusal`; over a limit, the request takes the regular way, which refuses it);
- standby reads and the read-your-writes token (`consistency.begin` / `finish`);
- unexpected errors logged (`process_errors`), then masked (`errors.masking`);
- contact details masked for shared screens (`masking.mask_data`).

WebSocket operations (their sign-in is checked again per operation) and subscriptions keep
the regular way. A schema with any extension this module does not stand in for (`covers`:
one added later, a resolver middleware, strawberry's directives) prepares nothing, so a new
extension is never skipped unseen. `tests/hub/test_prepared.py` holds both ways' answers,
errors, status codes and headers equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from graphql import DocumentNode, GraphQLError
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.types.execution import ExecutionContext, ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from hub.api import consistency
from hub.api.consistency import Consistency
from hub.api.context import Context
from hub.api.errors import Masking
from hub.api.limits import QueryLimits, refusal
from hub.api.masking import ContactMasking, mask_data
from hub.api.validation_cache import DocumentValidationCache, ReportingParserCache, cacheable
from hub.api.ws_auth import SocketSignIn

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import strawberry

_KINDS = frozenset({OperationType.QUERY, OperationType.MUTATION})


@dataclass(frozen=True, slots=True)
class Prepared:
    document: DocumentNode
    # The operation run for the name the client gave (none given: the document's only one).
    operation_name: str | None
    operation_type: OperationType


class PreparedDocuments:
    """The documents a schema has accepted, by (text, operation name); at most `size`."""

    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._known: dict[tuple[str, str | None], Prepared] = {}

    def get(self, query: str | None, operation_name: str | None) -> Prepared | None:
        return self._known.get((query, operation_name)) if query is not None else None

    def remember(
        self,
        query: str,
        given_name: str | None,
        prepared: Prepared,
    ) -> None:
        if len(self._known) >= self._size:
            self._known.clear()
        self._known[(query, given_name)] = prepared


# The extensions whose per-request work `run_prepared` does (or, for the parse, validation,
# token and depth checks, whose outcome a prepared document already had).
_COVERED: frozenset[type] = frozenset(
    {
        ReportingParserCache,
        DocumentValidationCache,
        QueryDepthLimiter,
        MaxTokensLimiter,
        DisableIntrospection,
        QueryLimits,
        Masking,
        SocketSignIn,
        ContactMasking,
        Consistency,
    }
)


def covers(extensions: Iterable[SchemaExtension]) -> bool:
    """Whether `run_prepared` does what these extensions do for a request (none of them wraps
    resolvers, each is one it stands in for, `RemembersPrepared` itself aside)."""
    return all(
        type(e) is RemembersPrepared or (type(e) in _COVERED and not e._implements_resolve())
        for e in extensions
    )


def over_http(context: object) -> TypeGuard[Context]:
    """An HTTP request's context (the gate checked its key moments ago)."""
    return (
        isinstance(context, Context)
        and context.bearer is None
        and context.request is not None
        and context.request.scope.get("type") == "http"
    )


class RemembersPrepared(SchemaExtension):
    """An HTTP query or mutation that reaches execution has been accepted: its document is
    kept in the schema's `prepared` (the last extension, so every other check ran first)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        known: PreparedDocuments | None = getattr(context.schema, "prepared", None)
        document = context.graphql_document
        if (
            known is not None
            and cacheable(context.query)
            and document is not None
            and not context.pre_execution_errors
            and over_http(context.context)
        ):
            kind = context.operation_type
            if kind in _KINDS:
                prepared = Prepared(document, context.operation_name, kind)
                known.remember(context.query, context._provided_operation_name, prepared)
        yield


async def run_prepared(
    schema: strawberry.Schema,
    prepared: Prepared,
    masking: Masking,
    *,
    query: str,
    variables: dict[str, Any] | None,
    context: Context,
    root_value: Any,
    operation_extensions: dict[str, Any] | None,
) -> ExecutionResult | None:
    """The operation's result, as the regular way would give it; None when it must take the
    regular way (over a limit: that way reports it)."""
    graphql_schema = schema._schema
    document = prepared.document
    operation_name = prepared.operation_name
    if refusal(graphql_schema, context, query, document, operation_name, variables or {}):
        return None
    applies = consistency.begin(context, query=prepared.operation_type is OperationType.QUERY)

    def details() -> ExecutionContext:  # strawberry's description of it, for its error log
        return ExecutionContext(
            query=query,
            schema=schema,
            allowed_operations=_KINDS,
            context=context,
            variables=variables,
            provided_operation_name=operation_name,
        )

    try:
        result = schema._get_execute_function()(
            graphql_schema,
            document,
            root_value=root_value,
            variable_values=variables,
            operation_name=operation_name,
            context_value=context,
            is_awaitable=optimized_is_awaitable,
            **execution_context_class_kwargs(schema.execution_context_class),
            operation_extensions=operation_extensions,
        )
        if optimized_is_awaitable(result):
            result = await result
    except Exception as error:  # as the regular way answers an operation that raised
        failed = GraphQLError(str(error), original_error=error)
        schema._process_errors([failed], details())
        return PreExecutionError(data=None, errors=masking._process_errors([failed]))
    if result.errors:
        # Logged as they are, then masked: what the client sees is the masked list.
        schema._process_errors(result.errors, details())
    if applies:
        await consistency.finish(context)
    mask_data(context, graphql_schema, document, operation_name, result.data)
    masking._process_result(result)
    return ExecutionResult(data=result.data, errors=result.errors, extensions={})
