"""Resolvers called straight and input objects built by a plan (hub/api/direct.py) answer
exactly what strawberry's own per-call wrapping and conversion answer, errors included."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry.types.arguments import InputContext, convert_argument
from strawberry.types.base import StrawberryObjectDefinition, get_object_definition

from hub.api import direct
from hub.api.errors import UserError
from hub.api.permissions import Refuse
from hub.web.schema import schema as hub_schema


@strawberry.enum
class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


@strawberry.input
class Box:
    size: Size
    label: str | None = None
    tags: list[str] | None = None
    count: int = 1
    shelf: str | None  # no default: strawberry passes null when the client leaves it out


@strawberry.input
class Parcel:
    boxes: list[Box]
    inner: Box | None = None
    note: str | None = strawberry.UNSET


class Never(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


class SmallOnly(BasePermission):
    """Decides by the converted arguments and the Info, as strawberry hands them."""

    message = "small things only"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        assert info.field_name == "small" and info.context["who"] == "me"
        return kwargs.get("size", Size.SMALL) is Size.SMALL and source.name == "mug"


class Later(BasePermission):
    """Answers with an awaitable: strawberry's own chain decides."""

    message = "not now"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await asyncio.sleep(0)
        return bool(kwargs.get("ok"))


class Maybe(BasePermission):
    """Answers something that is not a bool: strawberry refuses it, typed."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return "yes"  # type: ignore[return-value]


@strawberry.input
class Stamp:
    mark: str


def _stamp_in(_cls: type, value: Any, context: InputContext) -> str:
    """Builds its own value (as `EventInput` does), from the context it is handed."""
    where = "/".join(str(step) for step in context.path)
    return f"{value['mark']}@{where} in {context.info.field_name if context.info else None}"


get_object_definition(Stamp, strict=True).from_input = _stamp_in


@strawberry.type
class Stamped:
    text: str | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


class Open(Refuse):
    """The hub's mutation-side check, letting the call through."""

    def refusal(self, ctx: Any) -> str | None:
        return None if ctx["who"] == "me" else "not you"


class Shut(Refuse):
    def refusal(self, ctx: Any) -> str | None:
        return "shut"


def _sized(size: Size = Size.LARGE) -> str:
    return f"sized {size.value}"  # a resolver of its own: no self, no root


@strawberry.type
class Thing:
    name: str
    sized: str = strawberry.field(resolver=_sized)

    @strawberry.field
    def echo(
        self,
        source: str | None = None,  # named like the resolve function's first parameter
        sizes: list[Size] | None = None,
        size: Size = Size.SMALL,
        times: int = 1,
    ) -> str:
        listed = ",".join(s.value for s in sizes or [])
        return f"{self.name}:{source}:{listed}:{size.value}:" + "x" * times

    @strawberry.field
    def grows(self, into: list[int] = [0]) -> list[int]:  # noqa: B006
        # graphql-core hands every request the same default list: changing the argument's
        # list must not change what the next request gets.
        into.append(len(into))
        return into

    @strawberry.field
    def with_info(self, info: Info) -> str:
        return f"{info.field_name}/{info.path.key}/{info.context['who']}"

    @strawberry.field
    def parent(self, root: strawberry.Parent[Thing]) -> str:
        return f"parent {root.name}"

    @strawberry.field
    async def later(self, times: int = 2) -> str:
        await asyncio.sleep(0)
        return self.name * times

    @strawberry.field
    def fails(self) -> str | None:
        raise ValueError("no such thing")

    @strawberry.field(extensions=[PermissionExtension([Never()])])
    def guarded(self) -> str | None:
        return "secret"

    @strawberry.field(extensions=[PermissionExtension([SmallOnly()])])
    async def small(self, info: Info, size: Size = Size.SMALL) -> str | None:
        return f"{self.name} {size.value} for {info.context['who']}"

    @strawberry.field(extensions=[PermissionExtension([Later()])])
    def later_guarded(self, ok: bool = False) -> str | None:
        return "let in"

    @strawberry.field(extensions=[PermissionExtension([Maybe()])])
    def maybe(self) -> str | None:
        return "not decided"

    @strawberry.field(extensions=[PermissionExtension([Never()], fail_silently=True)])
    def quiet(self) -> str | None:
        return "never shown"

    @strawberry.field
    def packed(self, parcel: Parcel) -> str:
        return repr(parcel)

    @strawberry.field(extensions=[Open()])
    async def stamped(self, info: Info, stamps: list[Stamp], one: Stamp | None = None) -> Stamped:
        return Stamped(text=f"{self.name}:{stamps}:{one}:{info.context['who']}")

    @strawberry.field(extensions=[Shut()])
    async def shut(self, stamps: list[Stamp]) -> Stamped:
        return Stamped(text="never")


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(name="mug"), Thing(name="jug")]

    @strawberry.field
    def unpack(self, parcel: Parcel, extra: list[Box] | None = None) -> str:
        return repr((parcel, extra))


DOCUMENTS = [
    "{ things { name echo sized s: sized(size: SMALL) } }",
    '{ things { echo(source: "web", sizes: [LARGE, SMALL], size: LARGE, times: 3) } }',
    "{ things { echo(sizes: []) a: echo(times: 0) } }",
    "{ things { grows g: grows(into: [5]) } }",
    "{ things { withInfo parent later l: later(times: 1) } }",
    "{ things { name fails guarded } }",
    "{ things { packed(parcel: {boxes: [{size: LARGE}]}) } }",
    '{ unpack(parcel: {boxes: [{size: SMALL, label: "a", tags: ["x"], count: 3}],'
    " inner: {size: LARGE}, note: null}, extra: [{size: LARGE, label: null}]) }",
    "{ unpack(parcel: {boxes: []}) }",
    "query($p: Parcel!) { unpack(parcel: $p) }",
    "{ things { small s: small(size: SMALL) l: small(size: LARGE) } }",
    "{ things { laterGuarded l: laterGuarded(ok: true) maybe quiet } }",
    '{ things { stamped(stamps: [{mark: "a"}, {mark: "b"}], one: {mark: "c"}) { text } } }',
    "query($s: [Stamp!]!) { things { stamped(stamps: $s, one: null) { text }"
    " shut(stamps: $s) { text userErrors { code message } } } }",
]
VARIABLES = {
    "p": {"boxes": [{"size": "LARGE", "tags": ["b", "c"]}], "inner": None},
    "s": [{"mark": "x"}, {"mark": "y"}],
}


def _answers(schema: strawberry.Schema) -> list[dict[str, Any]]:
    answers = []
    for _ in range(2):  # twice: nothing a request does may change the next one's answer
        for document in DOCUMENTS:
            result = asyncio.run(
                schema.execute(document, variable_values=VARIABLES, context_value={"who": "me"})
            )
            errors = [(e.message, e.path) for e in result.errors or []]
            answers.append({"data": result.data, "errors": errors})
    return answers


def test_every_answer_and_error_is_strawberry_s_own() -> None:
    plain = _answers(strawberry.Schema(query=Query))
    ours = strawberry.Schema(query=Query)
    installed = direct.install(ours._schema, ours.config, ours.schema_converter.scalar_registry)
    assert {
        "Thing.sized",
        "Thing.echo",
        "Thing.grows",
        "Thing.withInfo",
        "Thing.parent",
        "Thing.later",
    } <= set(installed)
    assert {"Thing.packed", "Query.unpack"} <= set(installed)  # input objects, by their plans
    # Permissions that raise are checked first, then the resolver is called straight; a
    # silent one keeps strawberry's way.
    assert {"Thing.guarded", "Thing.small", "Thing.laterGuarded", "Thing.maybe"} <= set(installed)
    assert "Thing.quiet" not in installed
    # A field with the hub's Refuse extension, whose arguments build their own values.
    assert {"Thing.stamped", "Thing.shut"} <= set(installed)
    assert {"Box", "Parcel"} <= set(installed)
    assert _answers(ours) == plain
    assert plain[0]["data"]["things"][0] == {
        "name": "mug", "echo": "mug:None::small:x", "sized": "sized large", "s": "sized small"
    }  # fmt: skip
    things = plain[1]["data"]["things"]
    assert things[0]["echo"] == "mug:web:large,small:large:xxx"
    assert plain[3]["data"]["things"][1] == {"grows": [0, 1], "g": [5, 1]}
    assert plain[4]["data"]["things"][0]["withInfo"] == "withInfo/withInfo/me"
    assert plain[5]["errors"][0] == ("no such thing", ["things", 0, "fails"])
    assert ("not for you", ["things", 0, "guarded"]) in plain[5]["errors"]
    assert plain[10]["data"]["things"][0] == {
        "small": "mug small for me",
        "s": "mug small for me",
        "l": None,
    }
    assert plain[10]["data"]["things"][1]["small"] is None
    assert ("small things only", ["things", 0, "l"]) in plain[10]["errors"]
    assert plain[11]["data"]["things"][0] == {
        "laterGuarded": None, "l": "let in", "maybe": None, "quiet": None
    }  # fmt: skip
    assert ("not now", ["things", 0, "laterGuarded"]) in plain[11]["errors"]
    assert "Box(size=<Size.SMALL: 'small'>, label='a', tags=['x'], count=3, shelf=None)" in str(
        plain[7]
    )
    assert plain[12]["data"]["things"][0]["stamped"]["text"] == (
        "mug:['a@stamps/0 in stamped', 'b@stamps/1 in stamped']:c@one in stamped:me"
    )
    assert plain[13]["data"]["things"][1] == {
        "stamped": {"text": "jug:['x@stamps/0 in stamped', 'y@stamps/1 in stamped']:None:me"},
        "shut": {"text": None, "userErrors": [{"code": "FORBIDDEN", "message": "shut"}]},
    }


# A value for each scalar an input field of the hub's schema can be.
_SCALARS = {
    "String": "text",
    "ID": "42",
    "Int": 7,
    "Float": 2.5,
    "Boolean": True,
    "JSON": {"a": [1, "b"]},
    "DateTime": "2026-12-05T10:00:00+00:00",
    "Date": "2026-12-05",
}


def _raw(type_: GraphQLInputType, variant: str, depth: int = 0) -> Any:
    """An input value of this type: every field given ("full"), only the required ones
    ("least"), or null wherever null is allowed ("nulls")."""
    required = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if variant == "nulls" and not required and depth > 0:
        return None
    if isinstance(inner, GraphQLList):
        return [_raw(inner.of_type, variant, depth + 1) for _ in range(2)]
    if isinstance(inner, GraphQLEnumType):
        return list(inner.values)[-1]
    if isinstance(inner, GraphQLScalarType):
        return _SCALARS[inner.name]
    assert isinstance(inner, GraphQLInputObjectType)
    value = {}
    for name, field in inner.fields.items():
        if variant == "least" and not isinstance(field.type, GraphQLNonNull):
            continue
        value[name] = _raw(field.type, variant, depth + 1)
    return value


@pytest.mark.parametrize("variant", ["full", "least", "nulls"])
def test_the_hub_s_input_objects_are_built_as_strawberry_builds_them(variant: str) -> None:
    gql = hub_schema._schema
    installed = direct.install(gql, hub_schema.config, hub_schema.schema_converter.scalar_registry)
    inputs = [name for name in installed if isinstance(gql.get_type(name), GraphQLInputObjectType)]
    assert {"IdentifierInput", "IdentifyInput", "PreferenceInput", "TraitsInput"} <= set(inputs)
    definitions: list[StrawberryObjectDefinition] = [
        gql.get_type(name).extensions["strawberry-definition"]  # type: ignore[union-attr]
        for name in inputs
    ]
    for name, definition in zip(inputs, definitions, strict=True):
        graphql_type = gql.get_type(name)
        assert isinstance(graphql_type, GraphQLInputObjectType)
        value = coerce_input_value(_raw(graphql_type, variant), graphql_type)
        ours = definition.from_input(definition.origin, value, None)  # type: ignore[arg-type, misc]
        saved = [d.from_input for d in definitions]
        for d in definitions:
            d.from_input = None  # strawberry's own conversion, nested inputs included
        try:
            theirs = convert_argument(
                value, definition.origin, hub_schema.schema_converter.scalar_registry,
                hub_schema.config,
            )  # fmt: skip
        finally:
            for d, from_input in zip(definitions, saved, strict=True):
                d.from_input = from_input
        assert ours == theirs, name
        assert type(ours) is type(theirs)


def test_the_profile_read_s_fields_are_called_straight() -> None:
    installed = direct.install(
        hub_schema._schema, hub_schema.config, hub_schema.schema_converter.scalar_registry
    )
    for field in ("identifiers", "preferences", "consents", "recentEvents", "displayName"):
        assert f"Profile.{field}" in installed
    # The root field's permission is checked first, then its resolver called straight; a
    # part shown only to agents (null for others, `NullUnless`) keeps strawberry's way.
    assert "Query.profile" in installed
    assert "Profile.merges" not in installed
    # Every mutation's scope is checked first (the hub's Refuse extensions), then the resolver
    # called straight; `track`'s thousand events each built by `EventInput`'s own from_input.
    assert {f"Mutation.{name}" for name in hub_schema._schema.mutation_type.fields} <= set(
        installed
    )


def test_a_permission_that_answers_a_bool_is_checked_without_strawberry_s_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_here(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("strawberry's permission chain ran")

    # Before the schema is built: strawberry binds each extension's methods then.
    monkeypatch.setattr(PermissionExtension, "resolve", not_here)
    monkeypatch.setattr(PermissionExtension, "resolve_async", not_here)
    ours = strawberry.Schema(query=Query)
    direct.install(ours._schema, ours.config, ours.schema_converter.scalar_registry)
    document = "{ things { guarded small l: small(size: LARGE) } }"
    result = asyncio.run(ours.execute(document, context_value={"who": "me"}))
    assert result.data == {
        "things": [
            {"guarded": None, "small": "mug small for me", "l": None},
            {"guarded": None, "small": None, "l": None},
        ]
    }
    assert {e.message for e in result.errors or []} == {"not for you", "small things only"}
