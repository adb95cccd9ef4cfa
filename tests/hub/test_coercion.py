"""The laid-out coercer of list variables answers exactly what graphql-core answers.

Every input object type of the real schema is fed random values, valid and not (missing,
unknown and null fields, wrong leaf values, single values for lists): where graphql-core's
`coerce_input_value` succeeds the laid-out coercer must give an equal value, and where it fails
the coercer must be in doubt. Then whole operations are built both ways: the same coerced
variables, sources and errors.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
    parse,
    type_from_ast,
)
from graphql.execution.executor import Executor
from graphql.pyutils import Undefined
from graphql.utilities import coerce_input_value

from hub.api.coercion import Doubt, coercer
from hub.api.execution import PlainLeaves
from hub.web.schema import schema

CORE = schema._schema

SCALARS: list[Any] = [
    "text",
    "",
    "2010-12-01T08:26:00+00:00",
    "2010-12-01",
    "not a date",
    0,
    7,
    -3,
    2**40,
    2.5,
    1e300,
    True,
    False,
    None,
    {"nested": {"deep": [1, 2]}},
    [1, "two"],
]


GOOD: dict[str, list[Any]] = {
    "String": ["text", "", "Jumbo Bag Red"],
    "ID": ["42", 42, "p-1"],
    "Int": [0, 7, -3],
    "Float": [2.5, 3, -0.5],
    "Boolean": [True, False],
    "DateTime": ["2010-12-01T08:26:00+00:00", "2010-12-01T08:26:00Z"],
    "Date": ["2010-12-01"],
    "JSON": [{"nested": {"deep": [1, 2]}}, [1, "two"], "text", 3, None],
}


def _value(type_: GraphQLInputType, rng: random.Random, depth: int = 0) -> Any:
    """A value for `type_`: valid most of the time, one mistake now and then."""
    if rng.random() < 0.01:
        return rng.choice(SCALARS)
    if is_non_null_type(type_):
        return _value(type_.of_type, rng, depth)  # type: ignore[union-attr]
    if is_list_type(type_):
        item = type_.of_type  # type: ignore[union-attr]
        if rng.random() < 0.15:
            return _value(item, rng, depth + 1)  # a single value for a list of one
        return [_value(item, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if is_input_object_type(type_):
        assert isinstance(type_, GraphQLInputObjectType)
        if depth > 6:
            return None
        value = {
            name: _value(field.type, rng, depth + 1)
            for name, field in type_.fields.items()
            if rng.random() < 0.8
        }
        if rng.random() < 0.02:
            value["noSuchField"] = 1
        return value
    if is_enum_type(type_):
        assert isinstance(type_, GraphQLEnumType)
        names = list(type_.values)
        return rng.choice(names)
    return rng.choice(GOOD.get(type_.name, SCALARS))  # type: ignore[union-attr]


def _input_types() -> list[GraphQLInputObjectType]:
    return [
        type_
        for name, type_ in CORE.type_map.items()
        if isinstance(type_, GraphQLInputObjectType) and not name.startswith("__")
    ]


def test_every_input_type_of_the_schema_is_laid_out() -> None:
    assert len(_input_types()) >= 10
    for type_ in _input_types():
        assert coercer(type_) is not None, type_.name


@pytest.mark.parametrize("wrap", ["object", "list", "non-null list of non-null"])
def test_random_values_coerce_as_graphql_core_coerces_them(wrap: str) -> None:
    rng = random.Random(f"coercion-{wrap}")
    agreed = doubted = 0
    for type_ in _input_types():
        type_of: GraphQLInputType = type_
        if wrap == "list":
            type_of = GraphQLList(type_)
        elif wrap == "non-null list of non-null":
            type_of = GraphQLNonNull(GraphQLList(GraphQLNonNull(type_)))
        coerce = coercer(type_of)
        assert coerce is not None
        for _ in range(300):
            value = _value(type_of, rng)
            expected = coerce_input_value(value, type_of)
            if expected is Undefined:
                with pytest.raises(Doubt):
                    coerce(value)
                doubted += 1
            else:
                assert coerce(value) == expected, (type_.name, value)
                agreed += 1
    # Both branches were exercised, many times.
    assert agreed > 1000 and doubted > 300, (agreed, doubted)


class _Name(str):
    """A str that is not exactly a str (the enum's lookup by name takes only exact ones)."""


def test_every_enum_value_and_mistake_coerces_as_graphql_core_coerces_it() -> None:
    enums = [
        type_
        for name, type_ in CORE.type_map.items()
        if isinstance(type_, GraphQLEnumType) and not name.startswith("__")
    ]
    assert len(enums) >= 5
    for type_ in enums:
        coerce = coercer(GraphQLList(type_))
        assert coerce is not None, type_.name
        names = list(type_.values)
        mistakes = [names[0].lower(), f" {names[0]}", "", 0, 1.5, True, {"a": 1}, _Name(names[0])]
        for value in [*names, *mistakes]:
            expected = coerce_input_value([value], GraphQLList(type_))
            if expected is Undefined:
                with pytest.raises(Doubt):
                    coerce([value])
            else:  # the very member graphql-core gives (strawberry's Python enum)
                (got,) = coerce([value])
                assert got is expected[0], (type_.name, value)


def test_a_type_that_contains_itself_goes_graphql_cores_way() -> None:
    from graphql import GraphQLInputField, GraphQLString

    node = GraphQLInputObjectType(
        "Node",
        lambda: {"name": GraphQLInputField(GraphQLString), "next": GraphQLInputField(node)},
    )
    assert coercer(node) is None
    assert coercer(GraphQLList(node)) is None


TRACK = parse(
    "mutation Track($e: [EventInput!]!, $dry: Boolean) { track(events: $e) { accepted } }"
)


def _event(i: int, **more: Any) -> dict[str, Any]:
    return {
        "messageId": f"m-{i}",
        "identifier": {"kind": "CRM_ID", "value": f"C{i}"},
        "type": "PURCHASE" if i % 3 == 0 else "VIEW",
        "touchpoint": "WEB",
        **more,
    }


def _both(variables: dict[str, Any], operation_name: str | None = "Track") -> tuple[Any, Any]:
    ours = PlainLeaves.build(
        CORE, TRACK, raw_variable_values=variables, operation_name=operation_name
    )
    theirs = Executor.build(
        CORE, TRACK, raw_variable_values=variables, operation_name=operation_name
    )
    return ours, theirs


def test_a_track_batch_is_built_with_the_same_variables() -> None:
    batch = [
        _event(i, occurredAt="2010-12-01T08:26:00Z", productSku="85123A", quantity=i, price=2.55)
        if i % 2
        else _event(i, properties={"page": "/p", "n": [1, 2]})
        for i in range(50)
    ]
    ours, theirs = _both({"e": batch, "dry": True})
    assert ours.variable_values.coerced == theirs.variable_values.coerced
    for name, source in theirs.variable_values.sources.items():
        assert ours.variable_values.sources[name].value == source.value
        assert str(ours.variable_values.sources[name].signature.type) == str(source.signature.type)
    assert ours.variable_values.sources["e"].value is batch
    first = ours.variable_values.coerced["e"][1]
    assert first["occurredAt"] == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)
    assert ours.variable_values.coerced["e"][0]["occurredAt"] is None  # its published default


@pytest.mark.parametrize(
    "mistake",
    [
        {"type": "NOT_A_TYPE"},
        {"quantity": "3"},
        {"occurredAt": "yesterday"},
        {"identifier": None},
        {"identifier": {"kind": "CRM_ID"}},
        {"colour": "red"},
    ],
)
def test_a_bad_item_is_reported_as_graphql_core_reports_it(mistake: dict[str, Any]) -> None:
    batch = [_event(i) for i in range(20)]
    batch[7] = {**batch[7], **mistake}
    ours, theirs = _both({"e": batch})
    assert isinstance(ours, list) and isinstance(theirs, list)
    assert [e.formatted for e in ours] == [e.formatted for e in theirs]
    assert "$e" in ours[0].message and "[7]" in ours[0].message


def test_another_variables_error_and_an_unnamed_choice_are_left_to_graphql_core() -> None:
    batch = [_event(i) for i in range(3)]
    ours, theirs = _both({"e": batch, "dry": "yes"})
    assert isinstance(ours, list)
    assert [e.formatted for e in ours] == [e.formatted for e in theirs]
    ours, theirs = _both({"e": batch}, operation_name="Other")
    assert [e.formatted for e in ours] == [e.formatted for e in theirs]


def test_the_variable_type_is_read_from_the_document() -> None:
    document = parse("mutation($e: [EventInput!]!) { track(events: $e) { accepted } }")
    definition = document.definitions[0]
    node = definition.variable_definitions[0]  # type: ignore[attr-defined]
    assert coercer(type_from_ast(CORE, node.type)) is not None  # type: ignore[arg-type]
