"""Shared screens never show contact data, however it got in.

A kiosk key, and a self-service token redeemed at a kiosk, are masked principals
(Context.masked). For them every free-text value in a GraphQL result (each String and JSON
leaf, in queries, mutation payloads and every subscription event) goes through the same rule,
hub.masks.mask_text / mask_json, after execution: a note, a preference stored
before values were checked, a search, an event property or a gift registry title shows
"j***@example.com" and "*** *** 0456", never the address or number. IDs, dates, enums, numbers
and booleans are not free text and are left alone. Nothing runs for anyone else.

The walk follows the operation's own selection set (aliases, fragments, inline fragments,
lists) with the schema's types, so it knows a String from an ID without guessing from values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    is_composite_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from hub.masks import mask_json, mask_text

FREE_TEXT_SCALARS = frozenset({"String", "JSON"})

# Selection sets, each with the type it selects on.
_Selections = list[tuple[GraphQLNamedType, SelectionSetNode]]


class ContactMasking(SchemaExtension):
    """Masks contact-shaped text in results for masked principals (kiosks); a no-op else."""

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        self._streamed = False

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        # Results streamed (subscriptions, operations over a WebSocket) were masked one by one
        # in on_stream_result; the last of them must not be walked again here.
        if not self._streamed:
            mask_result(self.execution_context, self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self._streamed = True
        mask_result(self.execution_context, result)
        yield


def mask_result(context: ExecutionContext, result: object) -> None:
    """Mask, in place, the free text in `result.data` when the caller is a shared screen."""
    mask_data(
        context.context,
        context.schema._schema,
        context.graphql_document,
        context.operation_name,
        getattr(result, "data", None),
    )


def mask_data(
    caller: object,
    schema: GraphQLSchema,
    document: DocumentNode | None,
    operation_name: str | None,
    data: object,
) -> None:
    """Mask, in place, the free text in an operation's `data` when the caller is a shared
    screen."""
    # No context that says otherwise (no principal, a context of another kind): masked.
    if not getattr(caller, "masked", True):
        return
    if not isinstance(data, dict) or document is None:
        return
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation is not None else None
    if operation is None or root is None:
        return
    fragments = {
        node.name.value: node
        for node in document.definitions
        if isinstance(node, FragmentDefinitionNode)
    }
    _Walker(schema, fragments).object(data, [(root, operation.selection_set)])


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode]
    ) -> None:
        self.schema = schema
        self.fragments = fragments

    def object(self, data: dict[str, Any], selections: _Selections) -> None:
        """Mask the fields of one result object, selected by `selections`."""
        fields: dict[str, list[tuple[GraphQLNamedType, FieldNode]]] = {}
        visited: set[str] = set()
        for parent, selection_set in selections:
            self._collect(parent, selection_set, fields, visited)
        for key, nodes in fields.items():
            value = data.get(key)
            if value is None:
                continue  # not selected (@skip, a fragment for another type) or null
            found = self._definition(nodes)
            if found is not None:
                field_type, inner = found
                data[key] = self.value(value, field_type, inner)

    def value(self, value: Any, field_type: GraphQLOutputType, inner: _Selections) -> Any:
        if value is None:
            return None
        if isinstance(field_type, GraphQLNonNull):
            return self.value(value, field_type.of_type, inner)
        if isinstance(field_type, GraphQLList):
            if isinstance(value, list):
                return [self.value(item, field_type.of_type, inner) for item in value]
            return value
        if isinstance(field_type, GraphQLScalarType):
            if field_type.name == "String" and isinstance(value, str):
                return mask_text(value)
            if field_type.name == "JSON":
                return mask_json(value)
            return value  # ID, Int, Float, Boolean, Date, DateTime: not free text
        if is_composite_type(field_type) and isinstance(value, dict):
            self.object(value, inner)
        return value  # enums, and anything already in its final shape

    def _collect(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode,
        fields: dict[str, list[tuple[GraphQLNamedType, FieldNode]]],
        visited: set[str],
    ) -> None:
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                fields.setdefault(key, []).append((parent, node))
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self._collect(target or parent, node.selection_set, fields, visited)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    continue
                visited.add(name)
                target = self.schema.get_type(fragment.type_condition.name.value)
                self._collect(target or parent, fragment.selection_set, fields, visited)

    @staticmethod
    def _definition(
        nodes: Iterable[tuple[GraphQLNamedType, FieldNode]],
    ) -> tuple[GraphQLOutputType, _Selections] | None:
        """The field's type, and every sub-selection made under this response key (validation
        guarantees they agree in shape). None for __typename and introspection."""
        field_type: GraphQLOutputType | None = None
        inner: _Selections = []
        for parent, node in nodes:
            fields: dict[str, GraphQLField] = getattr(parent, "fields", {})
            definition = fields.get(node.name.value)
            if definition is None:
                continue
            if field_type is None:
                field_type = definition.type
            if node.selection_set is not None:
                inner.append((get_named_type(definition.type), node.selection_set))
        return None if field_type is None else (field_type, inner)
