"""A variable that is a list of input objects, coerced by a function made once per input type.

graphql-core coerces a variable's value field by field through one generic function that asks,
for every value, whether its type is non-null, a list, an input object or a leaf; before that
it walks the whole value once more to check its depth. For a `track` of 1,000 events that is
about 15,000 calls and a tenth of the request. Here the same steps are laid out once per input
type (which fields, which are required, which coercer each leaf uses), so a value goes through
one closure per level.

It only ever answers what graphql-core would answer for a valid value: any doubt (a value that
is not a dict, an unknown or missing field, a null where one is not allowed, a leaf its type
refuses) abandons the fast path, and graphql-core coerces the variable itself, reporting the
errors as it always has. Types it does not lay out (a OneOf input, an input type that contains
itself, deeper than graphql-core's nesting limit) always go graphql-core's way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLLeafType,
    GraphQLNonNull,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
    is_required_input_field,
)
from graphql.language.parser import MAX_NESTING_DEPTH
from graphql.pyutils import Undefined, is_iterable
from graphql.utilities.coerce_input_value import coerce_default_value

Coerce = Callable[[Any], Any]

# Each input object type remembers its laid-out coercer and its depth here (on itself: an id()
# could be reused by another schema's type once the first schema is gone); None: not laid out.
_LAID_OUT = "_rapport_coerce"


class Doubt(Exception):
    """The value is not one the fast path can vouch for: graphql-core decides."""


def coercer(type_: GraphQLInputType) -> Coerce | None:
    """A function that coerces a value of `type_` exactly as graphql-core's
    `coerce_input_value` does when that succeeds, and raises Doubt where it would not
    (or might not); None when the type is not one laid out here."""
    laid_out = _lay_out(type_, set())
    if laid_out is None or laid_out[1] > MAX_NESTING_DEPTH:
        return None
    return laid_out[0]


def _lay_out(type_: GraphQLInputType, open_types: set[str]) -> tuple[Coerce, int] | None:
    """(coercer, the deepest nesting graphql-core's depth check would count), or None.
    A nullable type answers null for null; a non-null one is in doubt."""
    non_null = is_non_null_type(type_)
    if non_null:
        type_ = cast(GraphQLNonNull[Any], type_).of_type
    bare = _bare(type_, open_types)
    if bare is None:
        return None
    return _null_checked(bare[0], non_null), bare[1]


def _bare(type_: GraphQLInputType, open_types: set[str]) -> tuple[Coerce, int] | None:
    """The coercer of a value that is not null."""
    if is_list_type(type_):
        item = _lay_out(type_.of_type, open_types)
        return None if item is None else (_list_of(item[0]), item[1] + 1)
    if is_input_object_type(type_):
        return _input_object(type_, open_types)
    if is_enum_type(type_):
        return _enum(type_), 0
    return _leaf(cast(GraphQLLeafType, type_).coerce_input_value), 0


def _input_object(type_: GraphQLInputObjectType, open_types: set[str]) -> tuple[Coerce, int] | None:
    found: tuple[Coerce, int] | bool | None = type_.__dict__.get(_LAID_OUT, False)
    if found is not False:
        return cast("tuple[Coerce, int] | None", found)
    if type_.is_one_of or type_.name in open_types:
        return None  # OneOf rules, or a type that contains itself: graphql-core's way
    open_types.add(type_.name)
    try:
        fields = [
            (name, field, _lay_out(field.type, open_types)) for name, field in type_.fields.items()
        ]
    finally:
        open_types.discard(type_.name)
    if any(laid_out is None for _, _, laid_out in fields):
        type_.__dict__[_LAID_OUT] = None
        return None
    plan = [
        (
            name,
            field.out_name or name,
            cast("tuple[Coerce, int]", laid_out)[0],
            is_required_input_field(field),
            field,
        )
        for name, field, laid_out in fields
    ]
    depth = 1 + max(
        (cast("tuple[Coerce, int]", laid_out)[1] for _, _, laid_out in fields), default=0
    )
    names = frozenset(type_.fields)
    out_type = type_.out_type

    def coerce(value: Any) -> Any:
        if not isinstance(value, dict) or not names.issuperset(value):
            raise Doubt  # not an object, or a field the type does not have
        coerced: dict[str, Any] = {}
        for name, out_name, coerce_field, required, field in plan:
            field_value = value.get(name, Undefined)
            if field_value is Undefined:
                if required:
                    raise Doubt
                default = coerce_default_value(field)
                if default is not Undefined:
                    coerced[out_name] = default
            else:
                coerced[out_name] = coerce_field(field_value)
        return out_type(coerced)

    result = (coerce, depth)
    type_.__dict__[_LAID_OUT] = result
    return result


def _null_checked(bare: Coerce, non_null: bool) -> Coerce:
    """Null is null for a nullable type, and in doubt for a non-null one."""

    def coerce(value: Any) -> Any:
        if value is None or value is Undefined:
            if non_null:
                raise Doubt
            return None
        return bare(value)

    return coerce


def _list_of(item: Coerce) -> Coerce:
    def coerce(value: Any) -> Any:
        if not is_iterable(value):
            return [item(value)]  # a single value stands for a list of one
        return [item(each) for each in value]

    return coerce


def _enum(type_: GraphQLEnumType) -> Coerce:
    """An enum's values by name, each coerced once by the type itself (strawberry's enum type
    hands back its Python enum's member): a `track` names three per event. Anything that is
    not one of those names goes the type's own way."""
    parse = _leaf(type_.coerce_input_value)
    by_name: dict[str, Any] = {}
    for name in type_.values:
        try:
            by_name[name] = parse(name)
        except Doubt:  # a value the type refuses by its own name: left to the type
            continue

    def coerce(value: Any) -> Any:
        if type(value) is str:
            found = by_name.get(value, Undefined)
            if found is not Undefined:
                return found
        return parse(value)

    return coerce


def _leaf(parse: Coerce) -> Coerce:
    def coerce(value: Any) -> Any:
        try:
            coerced = parse(value)
        except Exception as error:  # graphql-core takes any failure for "not valid"
            raise Doubt from error
        if coerced is Undefined:
            raise Doubt
        return coerced

    return coerce
