"""What a client sees of a failure (hub/api/errors.py): a bug becomes "Unexpected error." with
its path and nothing of the exception; an expected failure keeps its message and code; the
database being away is said as such, retryable."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry

from hub.api.errors import UNAVAILABLE, UNAVAILABLE_MESSAGE, ClientError, Masking, should_mask


@strawberry.type
class Query:
    @strawberry.field
    def fine(self) -> str:
        return "ok"

    @strawberry.field
    def bug(self) -> str | None:
        raise RuntimeError("secret detail from deep inside")

    @strawberry.field
    def expected(self) -> str | None:
        raise ClientError("No such profile.", "NOT_FOUND", ["id"])

    @strawberry.field
    def away(self) -> str | None:
        raise ConnectionRefusedError("connection refused")


def _run(document: str) -> Any:
    schema = strawberry.Schema(
        query=Query,
        extensions=[
            lambda: Masking(should_mask_error=should_mask, error_message="Unexpected error.")
        ],
    )
    return asyncio.run(schema.execute(document))


def test_a_bug_is_masked_and_an_expected_failure_is_not() -> None:
    result = _run("{ fine bug expected away }")
    assert result.data == {"fine": "ok", "bug": None, "expected": None, "away": None}
    errors = {tuple(e.path): e for e in result.errors}
    assert errors[("bug",)].message == "Unexpected error."
    assert errors[("bug",)].original_error is None
    assert "secret" not in str(errors[("bug",)].formatted)
    assert errors[("expected",)].message == "No such profile."
    assert errors[("expected",)].extensions == {"code": "NOT_FOUND", "field": ["id"]}
    assert errors[("away",)].message == UNAVAILABLE_MESSAGE
    assert errors[("away",)].extensions == {"code": UNAVAILABLE, "retryable": True}


def test_an_answer_without_errors_is_left_alone() -> None:
    result = _run("{ fine }")
    assert result.data == {"fine": "ok"}
    assert not result.errors
