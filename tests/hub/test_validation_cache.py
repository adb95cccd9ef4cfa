"""Validation runs once per parsed document (hub.api.validation_cache), with the same answers
graphql-core's validation gives, for valid and invalid documents alike."""

from __future__ import annotations

from typing import Any

import pytest

from hub.api import validation_cache
from hub.settings import Settings
from hub.web.schema import build_schema


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = validation_cache.validate_document

    def counted(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document.loc.source.body if document.loc else "?")
        return real(schema, document, rules)

    monkeypatch.setattr(validation_cache, "validate_document", counted)
    monkeypatch.setattr(validation_cache, "_VALIDATED", {})
    return seen


async def test_a_document_is_validated_once_and_answers_as_before(validations: list[str]) -> None:
    schema = build_schema(Settings())
    valid = "query Once { __typename }"
    invalid = "query Twice { __typename nope }"
    for _ in range(3):
        result = await schema.execute(valid)
        assert result.errors is None and result.data == {"__typename": "Query"}
    answers = [await schema.execute(invalid) for _ in range(2)]
    for answer in answers:
        assert answer.data is None and answer.errors is not None
        assert [e.message for e in answer.errors] == ["Cannot query field 'nope' on type 'Query'."]
    assert validations == [valid, invalid], "each parsed document validated once"
    other = await schema.execute("query Other { __typename }")
    assert other.errors is None and validations[-1] == "query Other { __typename }"


async def test_another_schema_validates_the_same_document_again(validations: list[str]) -> None:
    first, second = build_schema(Settings()), build_schema(Settings())
    query = "query Same { __typename }"
    assert (await first.execute(query)).errors is None
    assert (await second.execute(query)).errors is None
    assert validations == [query, query]
