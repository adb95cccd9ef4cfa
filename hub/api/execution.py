"""How the schema executes: a leaf field that only reads an attribute skips the per-field work.

graphql-core builds a resolve-info object, looks at the arguments and walks `complete_value`
for every field of a result. A profile read answers ~200 fields, most of them scalars read
straight off plain objects (strawberry's "basic" fields: no resolver, no arguments, no
extension), for which that work is most of the cost. Here such a field reads its attribute and
is coerced by its scalar or enum as graphql-core would; every other field, and any value that
is not plain (an awaitable, an exception), goes the regular way, errors included.

A list of objects whose selected fields are all such leaves (twenty events' type, time and
summary; fifteen preferences) is answered in one loop over a plan made once per list field:
no path, no type dispatch and no sub-field collection per item. Any item that is not plain
(missing, null, awaitable, a value its scalar refuses) sends the whole list the regular way,
which reports it as graphql-core does; nothing is written before that, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from operator import attrgetter
from typing import Any, cast

from graphql import (
    DocumentNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    get_nullable_type,
    get_operation_ast,
    is_input_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    type_from_ast,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, UndefinedType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.api.coercion import Doubt, coercer
from hub.api.validation_cache import cacheable

# Each field definition remembers its answer to `plain_leaf` here (on itself: an id() could be
# reused by another schema's field once the first schema is gone).
_PLAN = "_rapport_plain_leaf"


# The plans of list fields whose selections hold no directive, shared by every request that
# runs the same (cached) document: what such a selection asks for does not depend on the
# request's variables. Keyed by the identity of the field nodes, which each entry keeps alive
# so that no other node can take their ids while it lasts.
_SHARED_PLANS: dict[tuple[Any, ...], tuple[Any, _Plan | None]] = {}
_SHARED_PLANS_MAX = 4096

# Each leaf type remembers its coercion here (see `coercion`).
_COERCION = "_rapport_coercion"


# (leaf type, non-null, how to read the value off its object)
PlainLeaf = tuple[GraphQLLeafType, bool, Callable[[Any], Any]]


def _laid_out_variables(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    raw: dict[str, Any] | None,
) -> dict[str, tuple[list[Any], Any]]:
    """name → (raw value, coerced value) for the operation's list variables whose values the
    laid-out coercer vouches for (none when the operation is ambiguous or missing:
    graphql-core reports it)."""
    if not raw:
        return {}
    operation = get_operation_ast(document, operation_name)
    found: dict[str, tuple[list[Any], Any]] = {}
    for node in (operation.variable_definitions or ()) if operation is not None else ():
        name = node.variable.name.value
        value = raw.get(name)
        if not isinstance(value, list) or not value:
            continue
        type_ = type_from_ast(schema, node.type)
        if not is_input_type(type_) or not is_list_type(get_nullable_type(type_)):
            continue
        coerce = coercer(type_)
        if coerce is None:
            continue
        try:
            found[name] = (value, coerce(value))
        except Doubt:
            continue
    return found


def plain_leaf(field: GraphQLField) -> PlainLeaf | None:
    """(leaf type, non-null, reader) for a scalar or enum field strawberry resolves by reading
    an attribute (its `_get_basic_result`, which takes no info and no arguments); None else.
    The reader is `attrgetter` of the attribute when strawberry's own resolver would call
    `getattr` for it, else that resolver."""
    found: PlainLeaf | bool | None = field.__dict__.get(_PLAN, False)
    if found is False:
        resolve = field.resolve
        basic = (
            resolve is not None
            and getattr(resolve, "_is_default", False)
            and getattr(resolve, "__name__", "") == "_get_basic_result"
            and not field.args
        )
        kind = field.type
        non_null = is_non_null_type(kind)
        inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
        found = (inner, non_null, _reader(field)) if basic and is_leaf_type(inner) else None
        field.__dict__[_PLAN] = found
    return found  # type: ignore[return-value]


def coercion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """How a value of this leaf type is answered: its own `coerce_output_value`, except for a
    strawberry enum given one of its own members, which is looked up instead of searched for.

    Strawberry's enum compares the member's value with each of the type's values in turn
    (with an enum descriptor call each) and answers the first name that matches; the lookup
    table holds that same first name for each member."""
    found: Callable[[Any], Any] | None = leaf.__dict__.get(_COERCION)
    if found is None:
        found = leaf.coerce_output_value
        members = getattr(leaf, "wrapped_cls", None)
        if isinstance(leaf, GraphQLEnumType) and isinstance(members, type):
            found = _enum_coercion(leaf, members)
        leaf.__dict__[_COERCION] = found
    return found


def _enum_coercion(leaf: GraphQLEnumType, members: type) -> Callable[[Any], Any]:
    first: dict[Any, str] = {}
    for name, value in leaf.values.items():
        first.setdefault(value.value, name)
    # By identity: members are the enum's singletons; anything else takes the general way.
    names = {id(m): first[m.value] for m in members if m.value in first}  # type: ignore[attr-defined]
    general = leaf.coerce_output_value

    def coerce(value: Any) -> Any:
        name = names.get(id(value)) if value.__class__ is members else None
        return general(value) if name is None else name

    return coerce


def _reader(field: GraphQLField) -> Callable[[Any], Any]:
    definition = (field.extensions or {}).get("strawberry-definition")
    name = getattr(definition, "python_name", None)
    if (
        definition is not None
        and definition.is_basic_field
        and definition.default_resolver is getattr
        and isinstance(name, str)
    ):
        return attrgetter(name)  # what its get_result does: getattr(source, python_name)
    resolve = cast(Callable[..., Any], field.resolve)
    return lambda source: resolve(source, None)


# Values that are never awaitable, an error or Undefined: no need to ask.
_PLAIN = frozenset({str, int, float, bool, datetime, date})

# A selection answered in one loop: (response name, reader, coercion, non-null) per field.
_Plan = list[tuple[str, Callable[[Any], Any], Callable[[Any], Any], bool]]


def _answer(plan: _Plan, source: Any, is_awaitable: Callable[[Any], bool]) -> dict[str, Any] | None:
    """The object's answer when every field's value is plain; None when any is missing, null
    where it may not be, an error, awaitable or refused by its scalar (the regular way then
    reports it, with its path)."""
    answer: dict[str, Any] = {}
    for name, read, coerce, non_null in plan:
        value = read(source)
        if value is None:
            if non_null:
                return None
            answer[name] = None
            continue
        if value.__class__ not in _PLAIN and (
            value is Undefined or isinstance(value, Exception) or is_awaitable(value)
        ):
            return None
        try:
            coerced = coerce(value)
        except Exception:
            return None
        if coerced is None or coerced is Undefined:
            return None
        answer[name] = coerced
    return answer


class PlainLeaves(StrawberryGraphQLCoreExecutionContext):
    @classmethod
    def build(  # type: ignore[override]
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """As graphql-core builds it, except that a variable holding a list of input objects
        (a `track` batch) is coerced by its type's laid-out coercer (`coercion`): graphql-core
        gets an empty list in its place, which coerces without error, and the coerced list is
        put back with its original value as the source. A value the coercer doubts is left in
        place for graphql-core, which coerces it or reports it exactly as before."""
        laid_out = _laid_out_variables(schema, document, operation_name, raw_variable_values)
        if laid_out and raw_variable_values is not None:
            raw_variable_values = {**raw_variable_values, **{name: [] for name in laid_out}}
        built = super().build(
            schema, document, root_value, context_value, raw_variable_values, operation_name,
            *args, **kwargs,
        )  # fmt: skip
        if laid_out and not isinstance(built, list):
            values = built.variable_values
            for name, (raw, coerced) in laid_out.items():
                values.coerced[name] = coerced
                values.sources[name] = values.sources[name]._replace(value=raw)
        return built

    def _plain(
        self, parent_type: GraphQLObjectType, node: Any
    ) -> tuple[GraphQLField, GraphQLLeafType, bool, Callable[[Any], Any]] | None:
        """(field, leaf type, non-null, reader) when this selection is a plain leaf without
        arguments and no middleware wraps resolvers; None when it goes the regular way."""
        middleware = self.middleware_manager
        if node.arguments or (middleware is not None and middleware.middlewares):
            return None
        field = self.schema.get_field(parent_type, node.name.value)
        plain = plain_leaf(field) if field is not None else None
        return None if field is None or plain is None else (field, *plain)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """An object whose every selected field is a plain leaf with a plain value is answered
        in one loop (an event's type, time and summary); any other object, or any value that
        is missing, an error or awaitable, goes field by field (reading an attribute twice is
        harmless)."""
        plan = self._fields_plan(parent_type, grouped_field_set)
        if plan is not None:
            answer = _answer(plan, source_value, self.is_awaitable)
            if answer is not None:
                return answer
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any | UndefinedType:
        node = field_details_list[0].node
        plain = self._plain(parent_type, node)
        if plain is None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        field, leaf, non_null, read = plain
        try:
            result = read(source)
            if isinstance(result, Exception):
                raise result
            if self.is_awaitable(result):
                # Not a plain value after all: complete it the regular way.
                info = self.build_resolve_info(
                    field, [d.node for d in field_details_list], parent_type, path
                )
                return self.complete_awaitable_value(
                    field.type, field_details_list, info, path, result, position_context
                )
            if result is None or result is Undefined:
                if non_null:
                    raise TypeError(
                        "Cannot return null for non-nullable field"
                        f" {parent_type.name}.{node.name.value}."
                    )
                return None
            return self.complete_leaf_value(leaf, result)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        plan = self._list_plan(item_type, field_details_list, path)
        if plan is not None and isinstance(items, list | tuple):
            is_awaitable = self.is_awaitable
            completed: list[dict[str, Any]] = []
            for item in items:
                answer = (
                    None
                    if item is None or is_awaitable(item)
                    else _answer(plan, item, is_awaitable)
                )
                if answer is None:
                    break
                completed.append(answer)
            else:
                return completed
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _list_plan(
        self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList, path: Path
    ) -> _Plan | None:
        """For a list of non-null objects (no `is_type_of`) whose every selected field is a
        plain leaf, in no @defer or @stream: (response name, reader, coercion, non-null) of
        each field; None for any other list. Kept for the request per list field, and for every
        request of the same document when nothing under the field carries a directive."""
        key = (item_type, id(field_details_list))
        found = self._plans.get(key, False)
        if found is not False:
            return found[1]  # type: ignore[index, no-any-return]
        nodes = tuple(d.node for d in field_details_list)
        shared_key = (item_type, *map(id, nodes))
        middleware = self.middleware_manager
        where = nodes[0].loc if nodes else None
        shareable = (middleware is None or not middleware.middlewares) and (
            where is not None and cacheable(where.source.body)  # a document that is kept
        )
        shared = _SHARED_PLANS.get(shared_key) if shareable else None
        if shared is not None:
            plan = shared[1]
        else:
            plan = self._make_list_plan(item_type, field_details_list, path)
            if (
                shareable
                and all(not d.fragment_variable_values for d in field_details_list)
                and not any(self._has_directive(node) for node in nodes)
            ):
                if len(_SHARED_PLANS) >= _SHARED_PLANS_MAX:
                    _SHARED_PLANS.clear()
                _SHARED_PLANS[shared_key] = (nodes, plan)  # the nodes kept: their ids stay theirs
        self._plans[key] = (field_details_list, plan)  # the list kept: its id stays its own
        return plan

    def _has_directive(self, node: Any) -> bool:
        """Whether a directive sits on this selection or anywhere under it (fragments
        included): what it selects may then depend on the request's variables."""
        if node.directives:
            return True
        if isinstance(node, FragmentSpreadNode):
            fragment = self.fragments.get(node.name.value)  # graphql-core 3.3: its details
            definition = getattr(fragment, "definition", fragment)
            return definition is None or self._has_directive(definition)
        selections = node.selection_set.selections if node.selection_set else ()
        return any(self._has_directive(child) for child in selections)

    def _make_list_plan(
        self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList, path: Path
    ) -> _Plan | None:
        if not isinstance(item_type, GraphQLNonNull):
            return None
        object_type = item_type.of_type
        if not isinstance(object_type, GraphQLObjectType) or object_type.is_type_of is not None:
            return None
        if self.get_stream_usage(field_details_list, path) is not None:
            return None
        grouped, new_defer_usages, forbidden = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages or forbidden or not grouped:
            return None
        if any(
            d.defer_usage is not None or d.fragment_variable_values
            for details in grouped.values()
            for d in details
        ):
            return None
        return self._fields_plan(object_type, grouped)

    def _fields_plan(
        self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet
    ) -> _Plan | None:
        """(response name, reader, coercion, non-null) of each field of a selection whose
        every field is a plain leaf; None else. Kept for the request per selection."""
        key = (parent_type, id(grouped))
        found = self._plans.get(key, False)
        if found is not False:
            return found[1]  # type: ignore[index, no-any-return]
        plan: _Plan = []
        for name, details in grouped.items():
            plain = self._plain(parent_type, details[0].node)
            if plain is None:
                self._plans[key] = (grouped, None)
                return None
            _, leaf, non_null, read = plain
            plan.append((name, read, coercion(leaf), non_null))
        self._plans[key] = (grouped, plan)  # the set kept: its id stays its own
        return plan

    @property
    def _plans(self) -> dict[Any, Any]:
        plans: dict[Any, Any] | None = self.__dict__.get("_rapport_list_plans")
        if plans is None:
            plans = self.__dict__["_rapport_list_plans"] = {}
        return plans
