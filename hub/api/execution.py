"""How the schema executes: a leaf field that only reads an attribute skips the per-field work.

graphql-core builds a resolve-info object, looks at the arguments and walks `complete_value`
for every field of a result. A profile read answers ~200 fields, most of them scalars read
straight off plain objects (strawberry's "basic" fields: no resolver, no arguments, no
extension), for which that work is most of the cost. Here such a field reads its attribute and
is coerced by its scalar or enum as graphql-core would; every other field, and any value that
is not plain (an awaitable, an exception), goes the regular way, errors included.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, UndefinedType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Each field definition remembers its answer to `plain_leaf` here (on itself: an id() could be
# reused by another schema's field once the first schema is gone).
_PLAN = "_rapport_plain_leaf"


def plain_leaf(field: GraphQLField) -> tuple[GraphQLLeafType, bool] | None:
    """(leaf type, non-null) for a scalar or enum field strawberry resolves by reading an
    attribute (its `_get_basic_result`, which takes no info and no arguments); None else."""
    found: tuple[GraphQLLeafType, bool] | bool | None = field.__dict__.get(_PLAN, False)
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
        found = (inner, non_null) if basic and is_leaf_type(inner) else None
        field.__dict__[_PLAN] = found
    return found  # type: ignore[return-value]


class PlainLeaves(StrawberryGraphQLCoreExecutionContext):
    def _plain(
        self, parent_type: GraphQLObjectType, node: Any
    ) -> tuple[GraphQLField, GraphQLLeafType, bool] | None:
        """(field, leaf type, non-null) when this selection is a plain leaf without arguments
        and no middleware wraps resolvers; None when it goes the regular way."""
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
        results: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            plain = self._plain(parent_type, field_details_list[0].node)
            if plain is None:
                break
            field, leaf, non_null = plain
            value = field.resolve(source_value, None)  # type: ignore[misc]
            if value is None:
                if non_null:
                    break
                results[response_name] = None
                continue
            if value is Undefined or isinstance(value, Exception) or self.is_awaitable(value):
                break
            try:
                coerced = leaf.coerce_output_value(value)
            except Exception:  # the regular way reports it, with its path
                break
            if coerced is None or coerced is Undefined:
                break
            results[response_name] = coerced
        else:
            return results
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
        field, leaf, non_null = plain
        try:
            result = field.resolve(source, None)  # type: ignore[misc]
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
