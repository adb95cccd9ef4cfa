"""What the hub's schema offers, learnt by introspection.

The agent desktop asks for more than today's hub may serve (recommendations, segments, merge
journal, ...). Each document is written once as a wish list and pruned against the hub's schema,
so that a panel appears as soon as the hub adds its field and nothing is ever faked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

INTROSPECTION = """
query RapportCallcenterSchema {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      name
      fields { name args { name type { ...TypeRef } } type { ...TypeRef } }
      enumValues { name }
      inputFields { name }
    }
  }
}
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
}
"""

# A selection is a list of fields: a plain name ("id"), a name with arguments
# ("recentEvents(first: 25)"), or a pair (field, sub-selection) for object fields. A leading "?"
# marks a field beyond the core contract: left out when the hub does not answer introspection.
Selection = Sequence[str | tuple[str, "Selection"]]


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type_name: str | None
    args: frozenset[str]
    arg_types: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SchemaInfo:
    """Field names per type; `None` for a hub that does not answer introspection."""

    types: dict[str, dict[str, FieldInfo]] | None = None
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    root: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_introspection(cls, data: Mapping[str, Any]) -> SchemaInfo:
        schema = data["__schema"]
        types: dict[str, dict[str, FieldInfo]] = {}
        enums: dict[str, tuple[str, ...]] = {}
        for type_ in schema["types"]:
            if type_.get("enumValues"):
                enums[type_["name"]] = tuple(v["name"] for v in type_["enumValues"])
            fields = type_.get("fields") or type_.get("inputFields") or []
            types[type_["name"]] = {
                f["name"]: FieldInfo(
                    f["name"],
                    _named(f.get("type")),
                    frozenset(a["name"] for a in f.get("args") or ()),
                    {a["name"]: _sdl(a.get("type")) for a in f.get("args") or ()},
                )
                for f in fields
            }
        root = {
            kind: (schema.get(f"{kind}Type") or {}).get("name") or ""
            for kind in ("query", "mutation", "subscription")
        }
        return cls(types=types, enums=enums, root=root)

    @property
    def known(self) -> bool:
        return self.types is not None

    def has(self, type_name: str, field_name: str) -> bool:
        """True when the field exists; an unknown schema is taken to offer the core contract."""
        if self.types is None:
            return True
        return field_name in self.types.get(type_name, {})

    def has_query(self, name: str) -> bool:
        return self.has(self.root.get("query") or "Query", name)

    def has_mutation(self, name: str) -> bool:
        return self.has(self.root.get("mutation") or "Mutation", name)

    def field_type(self, type_name: str, field_name: str) -> str | None:
        if self.types is None:
            return None
        info = self.types.get(type_name, {}).get(field_name)
        return info.type_name if info else None

    def enum_values(self, name: str, fallback: Sequence[str]) -> tuple[str, ...]:
        return self.enums.get(name) or tuple(fallback)

    def arg_type(self, root: str, field_name: str, arg: str, fallback: str) -> str:
        """The SDL type of a root field's argument, e.g. `[PreferenceInput!]!`."""
        if self.types is None:
            return fallback
        info = self.types.get(self.root.get(root) or root.title(), {}).get(field_name)
        found = info.arg_types.get(arg) if info else None
        return found or fallback

    def select(self, type_name: str, selection: Selection, indent: int = 2) -> str:
        """Render a selection set for `type_name`, leaving out what the schema lacks."""
        lines = self._select(type_name, selection, indent)
        return "\n".join(lines)

    def _select(self, type_name: str, selection: Selection, indent: int) -> list[str]:
        pad = " " * indent
        out: list[str] = []
        for entry in selection:
            spec, sub = (entry, None) if isinstance(entry, str) else entry
            optional = spec.startswith("?")
            spec = spec.removeprefix("?")
            name, args = _split(spec)
            info: FieldInfo | None
            if self.types is None:
                if optional:
                    continue
                info = FieldInfo(name, None, args)
            else:
                info = self.types.get(type_name, {}).get(name)
            if info is None or not args <= info.args:
                continue
            if sub is None:
                out.append(pad + spec)
                continue
            inner = self._select(info.type_name or "", sub, indent + 2)
            if inner:
                out.extend([f"{pad}{spec} {{", *inner, pad + "}"])
        return out


def _split(spec: str) -> tuple[str, frozenset[str]]:
    if "(" not in spec:
        return spec, frozenset()
    name, _, rest = spec.partition("(")
    args = frozenset(part.split(":")[0].strip() for part in rest.rstrip(")").split(",") if part)
    return name.strip(), args


def _named(ref: Mapping[str, Any] | None) -> str | None:
    while ref is not None:
        if ref.get("name"):
            return str(ref["name"])
        ref = ref.get("ofType")
    return None


def _sdl(ref: Mapping[str, Any] | None) -> str:
    if ref is None:
        return ""
    if ref.get("kind") == "NON_NULL":
        inner = _sdl(ref.get("ofType"))
        return f"{inner}!" if inner else ""
    if ref.get("kind") == "LIST":
        inner = _sdl(ref.get("ofType"))
        return f"[{inner}]" if inner else ""
    return str(ref.get("name") or "")
