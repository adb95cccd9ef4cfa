"""Limits a public API needs, checked after validation and before any resolver runs.

A query's cost is counted from its text alone: every field costs 1 (some cost more: see
FIELD_COST), and a list multiplies what it selects by the number of items it may return (its
`first` argument, else its default, else DEFAULT_LIST_SIZE), so `products(first: 100) { sku
name }` costs 1 + 100 × 2. Each channel has a budget (RAPPORT_QUERY_COST_BUDGETS); aliases and
root fields are counted too, so one document cannot ask for the same work hundreds of times.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_composite_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from hub.api.input_gate import nul_in_document
from hub.api.validation_cache import cacheable
from hub.errors import NO_NUL
from hub.settings import Settings

DEFAULT_LIST_SIZE = 20
_PAGE_ARGUMENTS = ("first", "limit")
# Fields whose work is far beyond a row read: ranking, search, whole-period evaluations.
FIELD_COST: dict[tuple[str, str], int] = {
    ("Query", "evaluation"): 5000,
    ("Query", "searchProfiles"): 25,
    ("Query", "giftRegistries"): 10,
    ("Query", "recommendationCenter"): 50,
    ("Query", "nextBestActions"): 25,
    ("Query", "content"): 10,
    ("Profile", "recommendations"): 25,
    ("Profile", "segments"): 10,
}


@dataclass(frozen=True)
class Tally:
    cost: int
    aliases: int
    root_fields: int


class _Counter:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        max_page: int,
        defaults: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.defaults = defaults
        self.max_page = max_page
        self.aliases = 0
        self._fragment_costs: dict[str, int] = {}
        # The variables the count read, as it read them: the count depends on nothing else.
        self.consulted: dict[str, int | None] = {}

    def selection_cost(self, selections: SelectionSetNode | None, parent: GraphQLNamedType) -> int:
        if selections is None:
            return 0
        total = 0
        for node in selections.selections:
            if isinstance(node, FieldNode):
                total += self.field_cost(node, parent)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_cost(node.selection_set, target or parent)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragment_cost(node.name.value)
        return total

    def fragment_cost(self, name: str) -> int:
        # Validation has refused cycles and unknown fragments; a fragment is counted once
        # however often it is spread, then multiplied by where it is spread.
        if name not in self._fragment_costs:
            fragment = self.fragments[name]
            target = self.schema.get_type(fragment.type_condition.name.value)
            assert target is not None
            self._fragment_costs[name] = self.selection_cost(fragment.selection_set, target)
        return self._fragment_costs[name]

    def field_cost(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        name = node.name.value
        if node.alias is not None:
            self.aliases += 1
        if name.startswith("__"):
            return 1 if name != "__typename" else 0
        fields: dict[str, GraphQLField] = getattr(parent, "fields", {})
        definition = fields.get(name)
        if definition is None:
            return 1
        own = FIELD_COST.get((parent.name, name), 1)
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return own
        inner = self.selection_cost(node.selection_set, named)
        if isinstance(get_nullable_type(definition.type), GraphQLList):  # type: ignore[arg-type]
            inner *= self.list_size(node, definition)
        return own + inner

    def list_size(self, node: FieldNode, definition: GraphQLField) -> int:
        for argument in node.arguments or ():
            if argument.name.value not in _PAGE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return self._clamp(int(value.value))
            if isinstance(value, VariableNode):
                asked = _page_value(self.variables, value.name.value, self.defaults)
                self.consulted[value.name.value] = asked
                if asked is not None:
                    return self._clamp(asked)
        for name in _PAGE_ARGUMENTS:
            declared = definition.args.get(name)
            if declared is not None and isinstance(declared.default_value, int):
                return self._clamp(declared.default_value)
        return DEFAULT_LIST_SIZE

    def _clamp(self, size: int) -> int:
        return max(1, min(size, self.max_page))


def _page_value(variables: Mapping[str, Any], name: str, defaults: Mapping[str, Any]) -> int | None:
    """The page size a variable asks for, as GraphQL's Int will take it: an integer, or a
    float with no fraction (graphql-core coerces 100.0 to 100); None for anything Int refuses
    (the request then fails on the value, not on its cost). A variable left out of the
    request takes its default from the document (`$n: Int! = 100`), as execution does."""
    asked = variables[name] if name in variables else defaults.get(name)
    if isinstance(asked, bool):
        return None
    if isinstance(asked, int):
        return asked
    if isinstance(asked, float) and asked.is_integer():
        return int(asked)
    return None


def tally(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    max_page: int,
) -> tuple[Tally, dict[str, int | None]]:
    """The operation's count, and the variables it read (with the values it read)."""
    root = schema.get_root_type(operation.operation)
    assert root is not None
    counter = _Counter(schema, fragments, variables, max_page, variable_defaults(operation))
    cost = counter.selection_cost(operation.selection_set, root)
    selected = selected_fields(operation.selection_set, fragments)
    roots = sum(1 for node in selected if node.name.value != "__typename")
    return Tally(cost=cost, aliases=counter.aliases, root_fields=roots), counter.consulted


def variable_defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    """The default values the operation's variables are declared with (`$n: Int! = 100`)."""
    return {
        node.variable.name.value: value_from_ast_untyped(node.default_value)
        for node in operation.variable_definitions or ()
        if node.default_value is not None
    }


# Counts already made: per (schema, document text, operation, page cap), the count for each
# set of values of the variables it read (a profile read's CRM id is not one of them), with
# the defaults the document gives those variables.
_COUNTED: dict[tuple[Any, ...], list[tuple[dict[str, int | None], dict[str, Any], Tally]]] = {}
_COUNTED_DOCUMENTS = 1000
_COUNTED_VARIANTS = 16


def counted(
    schema: GraphQLSchema,
    query: str | None,
    document: Any,
    operation_name: str | None,
    variables: Mapping[str, Any],
    max_page: int,
) -> Tally | None:
    """`tally` of a validated document's operation, remembered by its text (a document given
    without one is counted afresh); None without an operation."""
    key = (id(schema), query, operation_name, max_page)
    known = _COUNTED.get(key) if cacheable(query) else None
    for consulted, defaults, found in known or ():
        if all(
            _page_value(variables, name, defaults) == value for name, value in consulted.items()
        ):
            return found
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    fragments = {
        node.name.value: node
        for node in document.definitions
        if isinstance(node, FragmentDefinitionNode)
    }
    found, consulted = tally(schema, operation, fragments, variables, max_page)
    defaults = {name: v for name, v in variable_defaults(operation).items() if name in consulted}
    if not cacheable(query):
        return found
    if known is None:
        if len(_COUNTED) >= _COUNTED_DOCUMENTS:
            _COUNTED.clear()
        known = _COUNTED[key] = []
    if len(known) >= _COUNTED_VARIANTS:
        known.clear()
    known.append((consulted, defaults, found))
    return found


def selected_fields(
    selections: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The fields a selection set selects at its own level, through inline fragments and
    fragment spreads (an unknown fragment selects nothing)."""
    for node in selections.selections if selections is not None else ():
        if isinstance(node, FieldNode):
            yield node
        elif isinstance(node, InlineFragmentNode):
            yield from selected_fields(node.selection_set, fragments)
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            yield from selected_fields(fragments[node.name.value].selection_set, fragments)


def problems(settings: Settings, channel: str, counted: Tally) -> GraphQLError | None:
    """What is over a limit for this channel, as a typed error, or None."""
    if counted.aliases > settings.max_aliases:
        return _error(
            "TOO_MANY_ALIASES",
            f"This query uses {counted.aliases} aliases; at most {settings.max_aliases}.",
        )
    if counted.root_fields > settings.max_root_fields:
        return _error(
            "TOO_MANY_ROOT_FIELDS",
            f"This query asks for {counted.root_fields} top-level fields; "
            f"at most {settings.max_root_fields}.",
        )
    budget = settings.query_cost_budgets.get(channel, min(settings.query_cost_budgets.values()))
    if counted.cost > budget:
        return _error(
            "QUERY_TOO_COSTLY",
            f"This query could cost {counted.cost} (list sizes × fields selected); this key's "
            f"budget is {budget}. Ask for fewer items or fewer fields.",
        )
    return None


def _error(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class QueryLimits(SchemaExtension):
    """Refuses, before execution, documents over the caller's alias, root-field or cost limit.
    Runs after validation (it must come after DocumentValidationCache among the extensions)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if not context.pre_execution_errors and document is not None:
            if nul_in_document(context.query, document):
                context.pre_execution_errors = [_error("INVALID", NO_NUL)]
                yield
                return
            refused = refusal(
                context.schema._schema,
                context.context,
                context.query,
                document,
                context.operation_name,
                context.variables or {},
            )
            if refused is not None:
                context.pre_execution_errors = [refused]
        yield


def refusal(
    schema: GraphQLSchema,
    caller: object,
    query: str | None,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
) -> GraphQLError | None:
    """What a validated document is over for its caller's channel (a typed error), or None
    (also when there is no caller to count for)."""
    principal = getattr(caller, "principal", None)
    if principal is None:
        return None
    settings: Settings = caller.settings  # type: ignore[attr-defined]
    found = counted(schema, query, document, operation_name, variables, settings.max_page_size)
    return None if found is None else problems(settings, principal.channel.value, found)
