"""The schema's executor (hub/api/execution.py) answers exactly what graphql-core's own does:
plain leaves read straight off the object, everything else the regular way, errors included."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.api import execution
from hub.api.execution import PlainLeaves
from hub.web.schema import schema as hub_schema


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"
    SCARLET = "RED"  # an alias: the member is RED


@strawberry.type
class Item:
    name: str
    colour: Colour
    price: float
    note: str | None
    broken: str  # set to None by the resolver below: a non-null field that gets null
    tags: list[str]
    count: int  # the jug's is too big for GraphQL's Int: an error from coercion
    shade: Colour  # the mug's is the member, the jug's the bare value "BLUE"

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        return len(self.name)

    @strawberry.field
    def fails(self) -> str | None:
        raise ValueError("no such thing")


def _item(name: str, colour: Colour, note: str | None) -> Item:
    count = 2**40 if name == "jug" else 3
    item = Item(
        name=name,
        colour=colour,
        price=2.5,
        note=note,
        broken="",
        tags=["a", name],
        count=count,
        shade=Colour.SCARLET if name == "mug" else "BLUE",  # type: ignore[arg-type]
    )
    item.broken = None  # type: ignore[assignment]
    return item


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [_item("mug", Colour.RED, None), _item("jug", Colour.BLUE, "blue one")]


DOCUMENTS = [
    "{ items { name colour price note tags } }",
    "{ items { n: name name shout(times: 2) later fails } }",
    "{ items { name broken } }",
    "{ items { ... on Item { colour } name @skip(if: true) note @include(if: true) } }",
    "{ items { __typename name } }",
    "{ items { name count } }",
    "query { items { colour note price } }",
    "{ items { a: name b: name ... on Item { note } } }",
    "{ items { colour shade } }",
]


def _answers(executor: type) -> list[dict[str, Any]]:
    schema = strawberry.Schema(query=Query, execution_context_class=executor)
    answers = []
    for document in DOCUMENTS:
        result = asyncio.run(schema.execute(document))
        errors = [(e.message, e.path) for e in result.errors or []]
        answers.append({"data": result.data, "errors": errors})
    return answers


def test_every_answer_and_error_is_graphql_core_s_own() -> None:
    plain = _answers(StrawberryGraphQLCoreExecutionContext)
    assert _answers(PlainLeaves) == plain
    assert plain[0]["data"]["items"][1] == {
        "name": "jug",
        "colour": "BLUE",
        "price": 2.5,
        "note": "blue one",
        "tags": ["a", "jug"],
    }
    assert plain[1]["errors"] == [
        ("no such thing", ["items", 0, "fails"]),
        ("no such thing", ["items", 1, "fails"]),
    ]
    assert plain[2]["errors"][0][0] == "Cannot return null for non-nullable field Item.broken."
    assert plain[2]["data"] is None  # the null reaches the non-null list: no data at all
    assert plain[5]["errors"][0][1] == ["items", 1, "count"]
    assert plain[6]["data"]["items"][0] == {"colour": "RED", "note": None, "price": 2.5}
    assert plain[8]["data"]["items"] == [
        {"colour": "RED", "shade": "RED"},
        {"colour": "BLUE", "shade": "BLUE"},
    ]


def test_only_attribute_leaves_take_the_short_way() -> None:
    gql = hub_schema._schema
    event = gql.get_type("Event")
    profile = gql.get_type("Profile")
    assert execution.plain_leaf(event.fields["type"]) is not None  # type: ignore[union-attr]
    assert execution.plain_leaf(event.fields["summary"]) is not None  # type: ignore[union-attr]
    # An object, a field with a resolver and arguments, one guarded by an extension: not plain.
    assert execution.plain_leaf(event.fields["product"]) is None  # type: ignore[union-attr]
    assert execution.plain_leaf(profile.fields["recentEvents"]) is None  # type: ignore[union-attr]
    assert execution.plain_leaf(profile.fields["merges"]) is None  # type: ignore[union-attr]


def test_a_list_of_plain_objects_is_answered_in_one_loop(monkeypatch: Any) -> None:
    """No per-item completion for a list whose items' selected fields are all plain leaves;
    one field that is not (a list of strings) sends it the regular way."""
    completed: list[str] = []
    regular = PlainLeaves.complete_value

    def counted(self: PlainLeaves, return_type: Any, *args: Any) -> Any:
        completed.append(str(return_type))
        return regular(self, return_type, *args)

    monkeypatch.setattr(PlainLeaves, "complete_value", counted)
    schema = strawberry.Schema(query=Query, execution_context_class=PlainLeaves)
    result = asyncio.run(schema.execute("{ items { colour note price } }"))
    assert result.data == {
        "items": [
            {"colour": "RED", "note": None, "price": 2.5},
            {"colour": "BLUE", "note": "blue one", "price": 2.5},
        ]
    }
    assert completed == ["[Item!]!", "[Item!]"]  # the list itself; no item, no leaf
    completed.clear()
    asyncio.run(schema.execute("{ items { name tags } }"))
    assert "Item!" in completed


def test_a_list_s_plan_is_made_once_per_document_unless_a_directive_decides(
    monkeypatch: Any,
) -> None:
    """The same document asked again (parsed once, as the hub's parser cache does) reuses its
    list plans; a selection that holds a directive, whose fields then depend on the variables,
    gets its plan made anew for each request. Every answer is graphql-core's own."""
    made: list[int] = []
    regular = PlainLeaves._make_list_plan

    def counted(self: PlainLeaves, *args: Any) -> Any:
        made.append(1)
        return regular(self, *args)

    monkeypatch.setattr(PlainLeaves, "_make_list_plan", counted)
    ours = strawberry.Schema(
        query=Query, execution_context_class=PlainLeaves, extensions=[ParserCache]
    )
    theirs = strawberry.Schema(
        query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )

    def run(schema: strawberry.Schema, document: str, variables: dict[str, Any]) -> Any:
        result = asyncio.run(schema.execute(document, variable_values=variables))
        return result.data, [e.message for e in result.errors or []]

    plain = "{ items { name colour } }"
    for _ in range(3):
        assert run(ours, plain, {}) == run(theirs, plain, {})
    assert len(made) == 1
    made.clear()
    decided = "query($x: Boolean!) { items { name note @include(if: $x) } }"
    fragment = (
        "query($x: Boolean!) { items { ...F } } fragment F on Item { name colour @skip(if: $x) }"
    )
    for document in (decided, fragment):
        for x in (True, False, True):
            assert run(ours, document, {"x": x}) == run(theirs, document, {"x": x})
    assert len(made) == 6  # every request its own plan
