"""Resolvers called straight, without strawberry's per-call wrapping, where that wrapping has
nothing to do.

For every field with a resolver, strawberry builds a chain per call: a resolver wrapper, an
`Info`, `get_arguments` (which resolves each argument's type, converts its name and walks its
value by type), a reduce over the field's extensions, two more closures and `get_result`. For a
field without extensions, all of that comes down to renaming the arguments, converting their
values and calling the resolver: here each such field gets a resolve function made once that
does exactly that. A profile read calls five of them (`identifiers`, `preferences`, `consents`,
`recentEvents`, `displayName`).

Input objects: strawberry converts one field by field, resolving each field's type and name
again for every value (a twentieth of a profile read goes to its one `identifier` argument). An
input type whose fields are leaves, lists of leaves or such input types gets a `from_input`
(strawberry's hook for types that build their own value) made once, which does the same:
fields without a default start as null, the given ones are converted, the class is called.
A type that already has a `from_input` (`EventInput`) keeps it, and an argument of such a type
(or a list of them) is built by it with the context strawberry would hand it (the call's
`Info`, the argument's path: `_OwnInput`), without strawberry walking the type again for each
of a `track` batch's thousand events. Leaves are kept as they are (graphql-core has parsed
scalars and made enums members); lists are copied.

A field guarded by strawberry's PermissionExtension (that raises when refused) checks its
permissions the same way first, in order, with the same arguments, and is refused with the
permission's own error (the root `profile` field); a permission that answers anything but a
bool hands the call to strawberry's own chain, which decides as before. A field whose one
extension is the hub's `Refuse` (`Guard`, `AgentSession`: every mutation) hands the call to it
as strawberry's chain would, with the converted arguments: it answers a refusal in the
payload or calls the resolver.

Fields that keep strawberry's own path: any with another field extension (`NullUnless`, a
silent permission) or more than one, an argument of a type not laid out here (a `GlobalID`, a
`Maybe`, an input with its own `from_input` inside another input), subscriptions, and every
field of a schema with exception handlers. Strawberry's "basic" fields (no resolver) are not
touched either: `execution` reads those itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any, Literal

from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    get_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from hub.api.permissions import Refuse

# How a value is converted: None for a leaf (kept as it is), else a function (`_converter`).
_Convert = Callable[[Any], Any] | None

# (GraphQL name, Python name, how its value is converted, or how an input type that builds
# its own value is built)
_Argument = tuple[str, str, "_Convert | _OwnInput"]


def install(
    schema: GraphQLSchema, config: StrawberryConfig, scalar_registry: Mapping[object, Any]
) -> list[str]:
    """Give each field that qualifies a direct resolve function, and each input type that
    qualifies a `from_input`; returns their coordinates (`Type.field`, `Type`)."""
    installed = []
    for graphql_type in schema.type_map.values():
        definition = (graphql_type.extensions or {}).get("strawberry-definition")
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input:
            if _input_builder(definition, config, scalar_registry, set()) is not None:
                installed.append(graphql_type.name)
    subscription = schema.subscription_type
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type is subscription:
            continue
        if graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            direct = _direct(field, config, scalar_registry)
            if direct is not None:
                field.resolve = direct
                installed.append(f"{graphql_type.name}.{name}")
    return installed


def _direct(
    field: GraphQLField, config: StrawberryConfig, scalar_registry: Mapping[object, Any]
) -> Callable[..., Any] | None:
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return None
    checks = _permissions(definition)
    if checks is None:
        return None
    permissions, refuse = checks
    regular = field.resolve  # strawberry's own, for a permission that does not answer a bool
    resolver = definition.base_resolver
    if resolver is None or field.subscribe is not None:
        return None
    arguments: list[_Argument] = []
    for argument in definition.arguments:
        convert: _Convert | _OwnInput | Literal[False] = _converter(
            argument.type, config, scalar_registry, set()
        )
        if convert is False:
            convert = _own_input(argument.type, config, scalar_registry) or False
        if convert is False or argument.python_name is None:
            return None
        arguments.append(
            (config.name_converter.from_argument(argument), argument.python_name, convert)
        )
    function = resolver.wrapped_func
    if not callable(function):
        return None
    takes_self = resolver.self_parameter is not None
    sources = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    info_class = config.info_class

    # Positional-only: an argument may well be called `source` or `info` (`preferences(source:)`).
    def resolve(source: Any, info: GraphQLResolveInfo[Any], /, **given: Any) -> Any:
        wrapped = info_class(_raw_info=info, _field=definition)
        kwargs: dict[str, Any] = {}
        for graphql_name, python_name, convert in arguments:
            if graphql_name in given:
                value = given[graphql_name]
                if convert is None:
                    kwargs[python_name] = value
                elif isinstance(convert, _OwnInput):
                    kwargs[python_name] = convert(value, wrapped, graphql_name)
                else:
                    kwargs[python_name] = convert(value)
        for permission in permissions:
            # As strawberry's PermissionExtension checks, in order, with the same arguments.
            allowed = permission.has_permission(source, wrapped, **kwargs)
            if allowed is False:
                return permission.on_unauthorized()  # raises, as there
            if allowed is not True:  # an awaitable or not a bool: strawberry's way decides
                if inspect.iscoroutine(allowed):
                    allowed.close()
                return regular(source, info, **given)  # type: ignore[misc]
        if refuse is not None:
            # As strawberry chains a field extension: the arguments as it maps them, the
            # resolver called by the extension (or not: a refusal's payload instead).
            return refuse.resolve_async(call, source, wrapped, **refuse.map_arguments(kwargs))
        return call(source, wrapped, **kwargs)

    def call(source: Any, wrapped: Any, /, **kwargs: Any) -> Any:
        for name in sources:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = wrapped
        return function(source, **kwargs) if takes_self else function(**kwargs)

    resolve.__name__ = f"direct_{definition.python_name}"
    return resolve


def _permissions(definition: StrawberryField) -> tuple[list[BasePermission], Refuse | None] | None:
    """What to check before the resolver: nothing for a field without extensions; the
    permissions of a field whose one extension is a PermissionExtension that raises when
    refused (not `fail_silently`); the extension itself when it is the hub's `Refuse` (a
    mutation's scope, answered in its payload), which then calls the resolver. None for any
    other field (strawberry's own way)."""
    extensions = definition.extensions
    if not extensions:
        return [], None
    if len(extensions) != 1:
        return None
    extension = extensions[0]
    if isinstance(extension, Refuse):
        return [], extension
    if type(extension) is not PermissionExtension or extension.fail_silently:
        return None
    return list(extension.permissions), None


def _is_leaf(type_: Any, scalar_registry: Mapping[object, Any]) -> bool:
    if type_ is GlobalID or isinstance(type_, StrawberryMaybe | StrawberryOptional):
        return False
    if isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_):
        return True  # graphql-core has already made the value the enum's member
    return is_scalar(type_, scalar_registry)


# Builders made for this process, by definition (a definition is made once per input type).
_BUILDERS = "_rapport_from_input"


def _input_builder(
    definition: StrawberryObjectDefinition,
    config: StrawberryConfig,
    scalar_registry: Mapping[object, Any],
    seen: set[int],
) -> Callable[..., Any] | None:
    """`value → instance` for this input type, set as its `from_input`; None when a field's
    type is not one this lays out (or the type contains itself), or the type builds its own
    value already."""
    made = definition.__dict__.get(_BUILDERS)
    if made is not None:
        return made  # type: ignore[no-any-return]
    if definition.from_input is not None or id(definition) in seen:
        return None
    seen.add(id(definition))
    fields: list[tuple[str, str, _Convert]] = []
    for field in definition.fields:
        convert = _converter(
            field.resolve_type(type_definition=definition), config, scalar_registry, seen
        )
        if convert is False or field.python_name is None:
            return None
        fields.append((config.name_converter.from_field(field), field.python_name, convert))
    nulls = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }
    origin = definition.origin

    def build(value: Any, cls: type = origin) -> Any:
        kwargs = dict(nulls)
        for graphql_name, python_name, convert in fields:
            if graphql_name in value:
                given = value[graphql_name]
                kwargs[python_name] = given if convert is None else convert(given)
        return cls(**kwargs)

    definition.from_input = lambda cls, value, _context: build(value, cls)
    definition.__dict__[_BUILDERS] = build
    return build


def _converter(
    type_: Any, config: StrawberryConfig, scalar_registry: Mapping[object, Any], seen: set[int]
) -> _Convert | Literal[False]:
    """How a value of an input field's type is converted as strawberry's `convert_argument`
    does (None: kept as it is); False when this does not lay that type out."""
    if isinstance(type_, StrawberryMaybe):
        return False
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    if isinstance(type_, StrawberryList):
        item = type_.of_type
        if isinstance(item, StrawberryOptional):
            item = item.of_type
        if _is_leaf(item, scalar_registry):
            return _copied
        each = _converter(item, config, scalar_registry, seen)
        if not callable(each):
            return False
        return lambda values: _each(values, each)
    if _is_leaf(type_, scalar_registry):
        return None
    definition = get_object_definition(type_)
    if definition is None or not definition.is_input:
        return False
    build = _input_builder(definition, config, scalar_registry, seen)
    if build is None:
        return False
    return lambda value: value if value is None or value is UNSET else build(value, type_)


def _copied(values: Any) -> Any:
    # Copied, as strawberry does: graphql-core hands the same default list to every request
    # that leaves the argument out, so a resolver changing it would change the next one's.
    return values if values is None or values is UNSET else list(values)


def _each(values: Any, convert: Callable[[Any], Any]) -> Any:
    if values is None or values is UNSET:
        return values
    return [convert(value) for value in values]


class _OwnInput:
    """An argument of an input type that builds its own value (its `from_input`, such as
    `EventInput`'s), or a list of such values: built as strawberry's `convert_argument`
    builds it, with the same context (the call's Info, the argument's path), without walking
    the type again for every item of a thousand-event `track`."""

    def __init__(
        self, type_: Any, many: bool, config: StrawberryConfig, registry: Mapping[object, Any]
    ) -> None:
        definition = get_object_definition(type_, strict=True)
        assert definition.from_input is not None
        self.build = definition.from_input
        self.type_ = type_
        self.many = many
        self.config = config
        self.registry = registry

    def __call__(self, value: Any, info: Any, name: str) -> Any:
        if value is None or value is UNSET:
            return value
        if not self.many:
            return self.build(self.type_, value, self._context(info, (name,)))
        return [
            None if item is None else self.build(self.type_, item, self._context(info, (name, i)))
            for i, item in enumerate(value)
        ]

    def _context(self, info: Any, path: tuple[str | int, ...]) -> InputContext:
        return InputContext(info=info, config=self.config, scalar_registry=self.registry, path=path)


def _own_input(
    type_: Any, config: StrawberryConfig, scalar_registry: Mapping[object, Any]
) -> _OwnInput | None:
    """An `_OwnInput` for an argument whose type (or list item type) is an input type with
    a `from_input` of its own; None for any other. (Asked only where `_converter` gave up, so
    never of a type whose `from_input` this module made.)"""
    if isinstance(type_, StrawberryMaybe):
        return None
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    many = isinstance(type_, StrawberryList)
    if many:
        type_ = type_.of_type
        if isinstance(type_, StrawberryOptional):  # (Maybe too; strawberry's way)
            return None
    definition = get_object_definition(type_)
    if definition is None or not definition.is_input or definition.from_input is None:
        return None
    return _OwnInput(type_, many, config, scalar_registry)
