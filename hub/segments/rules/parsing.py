"""Rules from their JSON (hub/segments/rules/__init__.py has the language) into the typed tree,
with every fault added to `Problems` by field; and the canonical JSON back (`to_json`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.enums import ConsentPurpose, EventType, IdentifierKind, PreferenceSource, Touchpoint
from hub.errors import CONTROL_CHARACTERS, ErrorCode, Problems, has_control_characters
from hub.preferences.keys import KEY, KEY_RULE
from hub.segments.rules.nodes import (
    DEFAULT_MIN_WEIGHT,
    TRAITS,
    All,
    AnyOf,
    ConsentIs,
    EventCount,
    HasIdentifier,
    Known,
    Not,
    PreferenceIs,
    Rule,
    Spend,
    TraitIs,
)

MAX_NODES = 100
MAX_DEPTH = 8
MAX_DAYS = 3650


class _Parser:
    def __init__(self, problems: Problems, root: tuple[str | int, ...]) -> None:
        self.problems = problems
        self.root = root
        self.nodes = 0

    def bad(
        self, path: tuple[str | int, ...], message: str, code: ErrorCode = ErrorCode.INVALID
    ) -> None:
        self.problems.add((*self.root, *path), code, message)

    def rule(self, raw: Any, path: tuple[str | int, ...], depth: int) -> Rule | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self.bad(path, f"A rule has at most {MAX_NODES} conditions.", ErrorCode.TOO_MANY)
            return None
        if depth > MAX_DEPTH:
            self.bad(path, f"Rules nest at most {MAX_DEPTH} deep.", ErrorCode.TOO_MANY)
            return None
        if not isinstance(raw, dict) or len(raw) != 1:
            self.bad(
                path,
                "Each condition is an object with exactly one key, such as "
                '{"preference": {…}}, {"event": {…}}, {"all": […]}.',
            )
            return None
        ((name, body),) = raw.items()
        here = (*path, name)
        if name in ("all", "any"):
            if not isinstance(body, list) or not body:
                self.bad(here, f"“{name}” takes a non-empty list of conditions.")
                return None
            parts = [self.rule(r, (*here, i), depth + 1) for i, r in enumerate(body)]
            if any(p is None for p in parts):
                return None
            kept = tuple(p for p in parts if p is not None)
            return All(kept) if name == "all" else AnyOf(kept)
        if name == "not":
            inner = self.rule(body, here, depth + 1)
            return Not(inner) if inner is not None else None
        if name not in _LEAVES:
            self.bad(
                (*path, name),
                f"Unknown condition “{name[:40]}”; use one of: all, any, not, "
                + ", ".join(sorted(_LEAVES))
                + ".",
            )
            return None
        if name == "known":
            if not isinstance(body, bool):
                self.bad(here, "“known” is true or false.")
                return None
            return Known(body)
        if not isinstance(body, dict):
            self.bad(here, f"“{name}” takes an object.")
            return None
        leaf = _LEAVES[name]
        assert leaf is not None
        return leaf(self, body, here)

    # -- field readers

    def fields(
        self, body: Mapping[str, Any], path: tuple[str | int, ...], allowed: set[str]
    ) -> bool:
        extra = sorted(set(body) - allowed)
        for key in extra:
            self.bad(
                (*path, key), f"Unknown field; “{path[-1]}” takes {', '.join(sorted(allowed))}."
            )
        return not extra

    def text(
        self, body: Mapping[str, Any], key: str, path: tuple[str | int, ...], required: bool = False
    ) -> str | None:
        value = body.get(key)
        if value is None:
            if required:
                self.bad((*path, key), "Required.", ErrorCode.REQUIRED)
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad((*path, key), "A non-empty string.")
            return None
        if len(value) > 200:
            self.bad((*path, key), "At most 200 characters.", ErrorCode.TOO_LONG)
            return None
        if has_control_characters(value):
            # Rule texts reach customers' screens in reasons ("You told us you like …").
            self.bad((*path, key), CONTROL_CHARACTERS)
            return None
        return value.strip()

    def choice(
        self,
        body: Mapping[str, Any],
        key: str,
        path: tuple[str | int, ...],
        options: type[Any],
        required: bool = False,
    ) -> str | None:
        value = self.text(body, key, path, required)
        if value is None:
            return None
        names = [o.value for o in options]
        if value not in names:
            self.bad((*path, key), f"One of {', '.join(names)}.")
            return None
        return value

    def number(
        self,
        body: Mapping[str, Any],
        key: str,
        path: tuple[str | int, ...],
        low: float,
        high: float,
        integer: bool = False,
    ) -> float | None:
        value = body.get(key)
        if value is None:
            return None
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and integer and isinstance(value, float) and not value.is_integer():
            ok = False
        # Compared as they are: a whole number written with hundreds of digits (a literal in
        # the query) is a Python int that float() cannot hold (OverflowError).
        if not ok or not (low <= value <= high):
            kind = "A whole number" if integer else "A number"
            self.bad((*path, key), f"{kind} from {low:g} to {high:g}.", ErrorCode.OUT_OF_RANGE)
            return None
        return float(value)

    def flag(
        self, body: Mapping[str, Any], key: str, path: tuple[str | int, ...], default: bool
    ) -> bool:
        value = body.get(key, default)
        if not isinstance(value, bool):
            self.bad((*path, key), "true or false.")
            return default
        return value

    def days(self, body: Mapping[str, Any], path: tuple[str | int, ...]) -> int | None:
        value = self.number(body, "withinDays", path, 1, MAX_DAYS, integer=True)
        return int(value) if value is not None else None


def _preference(p: _Parser, body: Mapping[str, Any], path: tuple[str | int, ...]) -> Rule | None:
    p.fields(body, path, {"key", "value", "like", "source", "minWeight"})
    key = p.text(body, "key", path, required=True)
    value = p.text(body, "value", path, required=True)
    like = p.flag(body, "like", path, True)
    source = p.choice(body, "source", path, PreferenceSource)
    weight = p.number(body, "minWeight", path, 0.01, 0.99)
    if key is not None and not KEY.match(key.lower()):
        p.bad((*path, "key"), KEY_RULE)  # no stated or learned preference has such a key
        return None
    if key is None or value is None:
        return None
    return PreferenceIs(
        key.lower(), value, like, source, weight if weight is not None else DEFAULT_MIN_WEIGHT
    )


def _event(p: _Parser, body: Mapping[str, Any], path: tuple[str | int, ...]) -> Rule | None:
    p.fields(
        body,
        path,
        {"type", "withinDays", "atLeast", "atMost", "touchpoint", "category", "productSku"},
    )
    at_least = p.number(body, "atLeast", path, 0, 1_000_000, integer=True)
    at_most = p.number(body, "atMost", path, 0, 1_000_000, integer=True)
    if at_least is not None and at_most is not None and at_most < at_least:
        p.bad((*path, "atMost"), "atMost is smaller than atLeast.", ErrorCode.OUT_OF_RANGE)
    return EventCount(
        type=p.choice(body, "type", path, EventType),
        within_days=p.days(body, path),
        at_least=int(at_least) if at_least is not None else (0 if at_most is not None else 1),
        at_most=int(at_most) if at_most is not None else None,
        touchpoint=p.choice(body, "touchpoint", path, Touchpoint),
        category=p.text(body, "category", path),
        product_sku=p.text(body, "productSku", path),
    )


def _spend(p: _Parser, body: Mapping[str, Any], path: tuple[str | int, ...]) -> Rule | None:
    p.fields(body, path, {"atLeast", "atMost", "withinDays"})
    at_least = p.number(body, "atLeast", path, 0, 1e9)
    at_most = p.number(body, "atMost", path, 0, 1e9)
    if body.get("atLeast") is None and body.get("atMost") is None:
        p.bad(path, "“spend” needs atLeast, atMost or both.", ErrorCode.REQUIRED)
        return None
    if at_least is not None and at_most is not None and at_most < at_least:
        p.bad((*path, "atMost"), "atMost is smaller than atLeast.", ErrorCode.OUT_OF_RANGE)
    return Spend(at_least, at_most, p.days(body, path))


def _consent(p: _Parser, body: Mapping[str, Any], path: tuple[str | int, ...]) -> Rule | None:
    p.fields(body, path, {"purpose", "granted"})
    purpose = p.choice(body, "purpose", path, ConsentPurpose, required=True)
    granted = p.flag(body, "granted", path, True)
    return ConsentIs(purpose, granted) if purpose else None


def _identifier(p: _Parser, body: Mapping[str, Any], path: tuple[str | int, ...]) -> Rule | None:
    p.fields(body, path, {"kind"})
    kind = p.choice(body, "kind", path, IdentifierKind, required=True)
    return HasIdentifier(kind) if kind else None


def _trait(p: _Parser, body: Mapping[str, Any], path: tuple[str | int, ...]) -> Rule | None:
    p.fields(body, path, {"name", "equals", "startsWith"})
    name = p.text(body, "name", path, required=True)
    if name is not None and name not in TRAITS:
        p.bad(
            (*path, "name"),
            "Segments use behaviour and what customers told us about their shopping, never "
            "assumed demographics: the traits they may use are " + ", ".join(TRAITS) + ".",
        )
        return None
    equals = p.text(body, "equals", path)
    starts = p.text(body, "startsWith", path)
    return TraitIs(name, equals, starts) if name else None


_LEAVES = {
    "preference": _preference,
    "event": _event,
    "spend": _spend,
    "consent": _consent,
    "identifier": _identifier,
    "known": None,  # a bare boolean, read in _Parser.rule
    "trait": _trait,
}


def parse(
    raw: Any, problems: Problems, path: tuple[str | int, ...] = ("input", "rule")
) -> Rule | None:
    """The rule tree, or None with what is wrong added to `problems`, field by field."""
    parser = _Parser(problems, path)
    rule = parser.rule(raw, (), 0)
    return rule if not problems.items else None


def to_json(rule: Rule) -> dict[str, Any]:
    """The canonical JSON of a rule (what is stored and shown back)."""
    match rule:
        case All(rules):
            return {"all": [to_json(r) for r in rules]}
        case AnyOf(rules):
            return {"any": [to_json(r) for r in rules]}
        case Not(inner):
            return {"not": to_json(inner)}
        case PreferenceIs(key, value, like, source, min_weight):
            body: dict[str, Any] = {"key": key, "value": value, "like": like}
            if source:
                body["source"] = source
            if min_weight != DEFAULT_MIN_WEIGHT:
                body["minWeight"] = min_weight
            return {"preference": body}
        case EventCount():
            return {
                "event": _compact(
                    {
                        "type": rule.type,
                        "withinDays": rule.within_days,
                        "atLeast": rule.at_least,
                        "atMost": rule.at_most,
                        "touchpoint": rule.touchpoint,
                        "category": rule.category,
                        "productSku": rule.product_sku,
                    }
                )
            }
        case Spend(at_least, at_most, days):
            return {"spend": _compact({"atLeast": at_least, "atMost": at_most, "withinDays": days})}
        case ConsentIs(purpose, granted):
            return {"consent": {"purpose": purpose, "granted": granted}}
        case HasIdentifier(kind):
            return {"identifier": {"kind": kind}}
        case Known(known):
            return {"known": known}
        case TraitIs(name, equals, starts):
            return {"trait": _compact({"name": name, "equals": equals, "startsWith": starts})}
    raise TypeError(rule)


def _compact(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
