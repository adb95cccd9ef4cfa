"""Errors as data (`userErrors`) for mutations, typed GraphQL errors for queries."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import strawberry
from graphql import GraphQLError
from starlette.responses import JSONResponse
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError

from hub.db import unavailable
from hub.errors import DomainError, ErrorCode

log = logging.getLogger("hub.api")

# The database could not be reached or went away mid-request (a restart, a failover): the
# answer is a 503 with Retry-After (hub/web/view.py, hub/web/gate.py) and this error code.
UNAVAILABLE = "UNAVAILABLE"
UNAVAILABLE_MESSAGE = (
    "The profile store is unavailable for a moment; try again shortly (a write that was not "
    "answered may or may not be stored: track is safe to resend with the same messageIds)."
)
RETRY_AFTER_SECONDS = 1


@strawberry.type(description="An expected failure a client can show next to the field it names.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["events", "3", "messageId"].'
    )
    code: str = strawberry.field(description="Stable machine code: REQUIRED, INVALID_EMAIL, …")
    message: str = strawberry.field(description="Plain words for a person.")


def user_errors(error: DomainError) -> list[UserError]:
    return [
        UserError(field=list(p.field) or None, code=p.code.value, message=p.message)
        for p in error.problems
    ]


def forbidden(message: str = "This key may not do that.") -> list[UserError]:
    return [UserError(field=None, code=ErrorCode.FORBIDDEN.value, message=message)]


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    """A refusal outside GraphQL execution (auth gate, limits, file download), shaped like a
    GraphQL error so clients read it the same way; `extensions` beside its code."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code, **(extensions or {})}}]},
        status_code=status,
        headers=headers,
    )


class ClientError(GraphQLError):
    """A query-side expected failure: shown to the client with a code, never masked."""

    def __init__(self, message: str, code: str, field: list[str] | None = None) -> None:
        extensions: dict[str, Any] = {"code": code}
        if field:
            extensions["field"] = field
        super().__init__(message, extensions=extensions)


def from_domain(error: DomainError) -> ClientError:
    first = error.problems[0]
    return ClientError(first.message, first.code.value, list(first.field) or None)


def unavailable_response(message: str = UNAVAILABLE_MESSAGE) -> JSONResponse:
    """The database away before any GraphQL work (the key gate): 503, Retry-After, and
    `retryable: true` like the UNAVAILABLE errors said during execution (`MaskErrors`)."""
    return error_response(
        503,
        UNAVAILABLE,
        message,
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
        {"retryable": True},
    )


def is_unavailable(error: GraphQLError) -> bool:
    return (error.extensions or {}).get("code") == UNAVAILABLE


class Masking(MaskErrors):
    """MaskErrors, except that the database being away is said as such: code UNAVAILABLE,
    `retryable: true`, never a bare "Unexpected error"."""

    def _process_result(self, result: object) -> None:
        # As MaskErrors does, without its runtime-checkable Protocol: an isinstance against
        # one walks the protocol's members on every request (~1 % of a profile read).
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [with_request_code(error) for error in super()._process_errors(errors)]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, CannotGetOperationTypeError):  # the client's: said plainly
            return GraphQLError(
                operation_refusal(original),
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={"code": "BAD_REQUEST"},
            )
        if not unavailable(original):
            return super().anonymise_error(error)
        return GraphQLError(
            UNAVAILABLE_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": UNAVAILABLE, "retryable": True},
        )


# graphql-core reports a request it cannot run (GraphQL over HTTP's "request errors": no path,
# no data) in words only. Each gets the code Apollo Server gives it, so that clients written
# for Apollo (and ours) tell a broken document from a bad variable without reading the words.
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"


# graphql-core's validation rules about how a document uses its variables (never used, not
# defined, a type the position does not take, not an input type): the document's mistake,
# GRAPHQL_VALIDATION_FAILED as Apollo Server says, not the value's.
_VARIABLE_MISUSED = re.compile(
    r"^Variable '\$\w+' (is never used|is not defined|of type '[^']*' used in position"
    r"|is of type '[^']*' but|cannot be non-input type)"
)


def with_request_code(error: GraphQLError) -> GraphQLError:
    """A request error given its code: GRAPHQL_PARSE_FAILED, BAD_USER_INPUT (a variable that does
    not fit its type) or GRAPHQL_VALIDATION_FAILED. Field errors and coded errors pass as they
    are."""
    original = error.original_error
    if error.path is not None or error.extensions or not isinstance(original, GraphQLError | None):
        return error
    if error.message.startswith("Syntax Error"):
        code = PARSE_FAILED
    elif error.message.startswith("Variable '$") and not _VARIABLE_MISUSED.search(error.message):
        code = BAD_USER_INPUT  # a value given for a variable does not fit its type
    else:
        code = VALIDATION_FAILED  # the document itself, its variables' use included
    # In place: the error keeps its class (a GraphQLSyntaxError closes a socket with 4400), and
    # a cached validation error gets the same code each time it is reported.
    error.extensions = {"code": code}
    return error


def masking() -> Masking:
    """The error masking every operation's result goes through."""
    return Masking(should_mask_error=should_mask, error_message="Unexpected error.")


# GraphQL's GetOperation: a request that names no operation runs the document's only one.
SEVERAL_OPERATIONS = (
    "This document holds several operations: name the one to run in `operationName`."
)


def operation_refusal(error: CannotGetOperationTypeError) -> str:
    """What to tell a client whose document has no operation to run by the name it gave."""
    if error.operation_name is None and str(error.__cause__) == SEVERAL_OPERATIONS:
        return SEVERAL_OPERATIONS
    return error.as_http_error_reason()


def should_mask(error: GraphQLError) -> bool:
    """Hide unexpected failures from clients; log them with an id the client can quote. (A
    document with no operation by the name given is the client's mistake: put in words by
    `Masking`, not logged.)"""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    if isinstance(original, CannotGetOperationTypeError):
        return True
    if unavailable(original):
        log.warning("database unavailable at %s: %s", error.path, type(original).__name__)
        return True
    incident = uuid.uuid4().hex[:12]
    log.error("unexpected error %s at %s", incident, error.path, exc_info=original)
    return True
