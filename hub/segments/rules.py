"""Segment rules: a small JSON language, parsed into a typed tree and evaluated purely.

    {"all": [rule, …]}   {"any": [rule, …]}   {"not": rule}
    {"preference": {"key": "category", "value": "home-decor", "like": true,
                    "source": "EXPLICIT" | "IMPLICIT", "minWeight": 0.2}}
    {"event": {"type": "PURCHASE", "withinDays": 90, "atLeast": 1, "atMost": 5,
               "touchpoint": "KIOSK", "category": "home-decor", "productSku": "85123A"}}
    {"spend": {"atLeast": 100, "atMost": 1000, "withinDays": 365}}
    {"consent": {"purpose": "MARKETING_EMAIL", "granted": true}}
    {"identifier": {"kind": "EMAIL"}}        {"known": true}
    {"trait": {"name": "preferredStore" | "postcode", "equals": "…", "startsWith": "…"}}

Only behaviour and what customers told us count: there is no condition on age, gender or any
other assumed demographic, and `title` (a proxy for gender) is refused. Every evaluation gives
a verdict with its reason in plain words, for a match and for a miss alike, so that `not`
explains itself too ("You haven't bought in the last 90 days").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.enums import ConsentPurpose, EventType, IdentifierKind, PreferenceSource, Touchpoint
from hub.errors import ErrorCode, Problems
from hub.words import where

MAX_NODES = 100
MAX_DEPTH = 8
MAX_DAYS = 3650
DEFAULT_MIN_WEIGHT = 0.2
TRAITS = {"preferredStore": "preferred store", "postcode": "postcode"}

_PURPOSE_WORDS = {
    ConsentPurpose.PERSONALIZATION: "personal recommendations",
    ConsentPurpose.MARKETING_EMAIL: "marketing emails",
    ConsentPurpose.MARKETING_SMS: "marketing text messages",
    ConsentPurpose.MARKETING_POST: "marketing by post",
    ConsentPurpose.ANALYTICS: "analytics",
}
_KIND_WORDS = {
    IdentifierKind.EMAIL: "email address",
    IdentifierKind.PHONE: "phone number",
    IdentifierKind.LOYALTY_ID: "loyalty card",
    IdentifierKind.DEVICE_ID: "device",
    IdentifierKind.ANONYMOUS_ID: "browser",
    IdentifierKind.CRM_ID: "customer number",
}
# (did, haven't done) for each event type; None is any activity at all.
_VERBS: dict[EventType | None, tuple[str, str]] = {
    None: ("visited", "visited"),
    EventType.VIEW: ("looked at products", "looked at any products"),
    EventType.SEARCH: ("searched", "searched"),
    EventType.ADD_TO_CART: ("added to the basket", "added anything to the basket"),
    EventType.PURCHASE: ("bought", "bought anything"),
    EventType.RETURN: ("returned something", "returned anything"),
    EventType.SAMPLE: ("tried a sample", "tried any samples"),
    EventType.CALL: ("called us", "called us"),
    EventType.SURVEY: ("answered a survey", "answered a survey"),
    EventType.RECOMMENDATION_SHOWN: ("were shown picks", "been shown picks"),
    EventType.RECOMMENDATION_CLICKED: ("opened a pick", "opened any picks"),
    EventType.RECOMMENDATION_REJECTED: ("turned a pick down", "turned any picks down"),
    EventType.NEXT_BEST_ACTION_ACCEPTED: ("took up a suggestion", "taken up any suggestions"),
    EventType.NEXT_BEST_ACTION_REJECTED: ("declined a suggestion", "declined any suggestions"),
    EventType.CAMPAIGN_RESPONSE: ("answered a mailing", "answered any mailings"),
}


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True)
class All:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    rule: Rule


@dataclass(frozen=True)
class PreferenceIs:
    key: str
    value: str
    like: bool = True
    source: str | None = None  # EXPLICIT, IMPLICIT or either
    min_weight: float = DEFAULT_MIN_WEIGHT


@dataclass(frozen=True)
class EventCount:
    """How many events of a kind a profile has; also the key of its precomputed count."""

    type: str | None = None
    within_days: int | None = None
    at_least: int = 1
    at_most: int | None = None
    touchpoint: str | None = None
    category: str | None = None
    product_sku: str | None = None

    @property
    def query(self) -> EventQuery:
        return EventQuery(
            self.type, self.within_days, self.touchpoint, self.category, self.product_sku
        )


@dataclass(frozen=True)
class EventQuery:
    """What the store counts for an `event` condition, shared by conditions that differ only
    in their bounds."""

    type: str | None
    within_days: int | None
    touchpoint: str | None
    category: str | None
    product_sku: str | None


@dataclass(frozen=True)
class Spend:
    at_least: float | None = None
    at_most: float | None = None
    within_days: int | None = None


@dataclass(frozen=True)
class ConsentIs:
    purpose: str
    granted: bool = True


@dataclass(frozen=True)
class HasIdentifier:
    kind: str


@dataclass(frozen=True)
class Known:
    known: bool = True


@dataclass(frozen=True)
class TraitIs:
    name: str
    equals: str | None = None
    starts_with: str | None = None


Rule = (
    All
    | AnyOf
    | Not
    | PreferenceIs
    | EventCount
    | Spend
    | ConsentIs
    | HasIdentifier
    | Known
    | TraitIs
)


# ---------------------------------------------------------------- parsing


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
        if ok and integer and not float(value).is_integer():
            ok = False
        if not ok or not (low <= float(value) <= high):
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
    if at_least is None and at_most is None:
        p.bad(path, "“spend” needs atLeast, atMost or both.", ErrorCode.REQUIRED)
        return None
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


# ---------------------------------------------------------------- what a rule needs


@dataclass
class Needs:
    """What the store must load to evaluate some rules: facets and counts, nothing more."""

    facets: set[tuple[str, str]] = field(default_factory=set)
    events: set[EventQuery] = field(default_factory=set)
    spends: set[int | None] = field(default_factory=set)  # by window


def needs(rules: list[Rule]) -> Needs:
    wanted = Needs()

    def walk(rule: Rule) -> None:
        match rule:
            case All(children) | AnyOf(children):
                for child in children:
                    walk(child)
            case Not(inner):
                walk(inner)
            case PreferenceIs(key, value):
                wanted.facets.add((key, value))
            case EventCount():
                wanted.events.add(rule.query)
                if rule.category:
                    wanted.facets.add(("category", rule.category))
                if rule.product_sku:
                    wanted.facets.add(("product", rule.product_sku))
            case Spend(within_days=days):
                wanted.spends.add(days)

    for rule in rules:
        walk(rule)
    return wanted


def uses_behaviour(rule: Rule) -> bool:
    """Whether the rule looks at what the customer did (events, spend, learned interests) and
    not only at what they told us: such rules need PERSONALIZATION consent."""
    match rule:
        case All(children) | AnyOf(children):
            return any(uses_behaviour(c) for c in children)
        case Not(inner):
            return uses_behaviour(inner)
        case PreferenceIs(source=source):
            return source != "EXPLICIT"
        case EventCount() | Spend():
            return True
    return False


# ---------------------------------------------------------------- evaluation


@dataclass
class Facts:
    """Everything a rule may ask about one profile, loaded before evaluation."""

    known: bool = False
    identifier_kinds: frozenset[str] = frozenset()
    traits: Mapping[str, Any] = field(default_factory=dict)
    consents: Mapping[str, bool] = field(default_factory=dict)
    stated: Mapping[tuple[str, str], bool] = field(default_factory=dict)  # facet → like
    learned: Mapping[tuple[str, str], float] = field(default_factory=dict)  # facet → (-1, 1)
    event_counts: Mapping[EventQuery, int] = field(default_factory=dict)
    spend: Mapping[int | None, float] = field(default_factory=dict)
    labels: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # A shared screen: reasons leave out amounts of money.
    discreet: bool = False


@dataclass(frozen=True)
class Verdict:
    matched: bool
    reason: str


def evaluate(rule: Rule, facts: Facts) -> Verdict:
    match rule:
        case All(children):
            verdicts = [evaluate(c, facts) for c in children]
            failed = next((v for v in verdicts if not v.matched), None)
            if failed is not None:
                return failed
            return Verdict(True, _join([v.reason for v in verdicts]))
        case AnyOf(children):
            verdicts = [evaluate(c, facts) for c in children]
            hit = next((v for v in verdicts if v.matched), None)
            if hit is not None:
                return hit
            return Verdict(False, _join([v.reason for v in verdicts], "and"))
        case Not(inner):
            verdict = evaluate(inner, facts)
            return Verdict(not verdict.matched, verdict.reason)
        case PreferenceIs():
            return _preference_verdict(rule, facts)
        case EventCount():
            return _event_verdict(rule, facts)
        case Spend(at_least, at_most, days):
            spent = facts.spend.get(days, 0.0)
            ok = (at_least is None or spent >= at_least) and (at_most is None or spent <= at_most)
            if facts.discreet:
                return Verdict(ok, "Based on what you have bought from us")
            return Verdict(ok, f"You spent £{spent:,.2f} {_window(days, 'in all')}")
        case ConsentIs(purpose, granted):
            has = facts.consents.get(purpose, False)
            words = _PURPOSE_WORDS[ConsentPurpose(purpose)]
            return Verdict(
                has == granted,
                f"You agreed to {words}" if has else f"You haven't agreed to {words}",
            )
        case HasIdentifier(kind):
            has = kind in facts.identifier_kinds
            words = _KIND_WORDS[IdentifierKind(kind)]
            return Verdict(has, f"We have your {words}" if has else f"We don't have your {words}")
        case Known(known):
            return Verdict(
                facts.known == known,
                "You have told us who you are" if facts.known else "You are browsing anonymously",
            )
        case TraitIs():
            return _trait_verdict(rule, facts)
    raise TypeError(rule)


def _join(reasons: list[str], word: str = "and") -> str:
    unique = list(dict.fromkeys(r for r in reasons if r))
    if len(unique) <= 1:
        return unique[0] if unique else ""
    rest = [
        r[0].lower() + r[1:] if r.startswith(("You ", "We ", "Your ")) else r for r in unique[1:]
    ]
    return (
        f", {word} ".join([unique[0], *rest])
        if len(unique) > 2
        else f"{unique[0]} {word} {rest[0]}"
    )


def _label(facts: Facts, key: str, value: str) -> str:
    return facts.labels.get((key, value), value)


def _preference_verdict(rule: PreferenceIs, facts: Facts) -> Verdict:
    facet = (rule.key, rule.value)
    label = _label(facts, *facet)
    stated = facts.stated.get(facet)
    learned = facts.learned.get(facet, 0.0)
    if stated is not None and rule.source != "IMPLICIT":
        # What the customer told us decides, whatever was inferred.
        if stated == rule.like:
            said = "like" if rule.like else "don't like"
            return Verdict(True, f"You told us you {said} {label}")
        said = "don't like" if rule.like else "like"
        return Verdict(False, f"You told us you {said} {label}")
    if rule.source != "EXPLICIT" and stated is None:
        strong = learned >= rule.min_weight if rule.like else learned <= -rule.min_weight
        if strong:
            text = (
                f"You have shown a lot of interest in {label}"
                if rule.like
                else f"You have turned away from {label}"
            )
            return Verdict(True, text)
    if rule.source == "EXPLICIT" or (stated is not None and rule.source == "IMPLICIT"):
        said = "like" if rule.like else "don't like"
        return Verdict(False, f"You haven't told us you {said} {label}")
    if rule.like:
        return Verdict(False, f"You haven't shown much interest in {label}")
    return Verdict(False, f"You haven't turned away from {label}")


def _event_verdict(rule: EventCount, facts: Facts) -> Verdict:
    count = facts.event_counts.get(rule.query, 0)
    ok = count >= rule.at_least and (rule.at_most is None or count <= rule.at_most)
    did, not_done = _VERBS[EventType(rule.type) if rule.type else None]
    scope = ""
    if rule.product_sku:
        scope = f" ({_label(facts, 'product', rule.product_sku)})"
    elif rule.category:
        scope = f" in {_label(facts, 'category', rule.category)}"
    place = f" {where(rule.touchpoint)}" if rule.touchpoint else ""
    window = f" {_window(rule.within_days, '')}".rstrip()
    if count == 0:
        return Verdict(ok, f"You haven't {not_done}{scope}{place}{window}")
    times = "once" if count == 1 else "twice" if count == 2 else f"{count} times"
    return Verdict(ok, f"You {did}{scope}{place} {times}{window}")


def _trait_verdict(rule: TraitIs, facts: Facts) -> Verdict:
    words = TRAITS[rule.name]
    stored = {"preferredStore": "preferred_store"}.get(rule.name, rule.name)
    value = str(facts.traits.get(stored) or "")
    if not value:
        return Verdict(False, f"You haven't told us your {words}")
    folded = value.casefold()
    ok = (rule.equals is None or folded == rule.equals.casefold()) and (
        rule.starts_with is None or folded.startswith(rule.starts_with.casefold())
    )
    return Verdict(ok, f"Your {words} is {value}")


def _window(days: int | None, otherwise: str) -> str:
    if days is None:
        return otherwise
    if days == 1:
        return "in the last day"
    if days % 365 == 0:
        years = days // 365
        return "in the last year" if years == 1 else f"in the last {years} years"
    if days % 7 == 0 and days <= 70:
        weeks = days // 7
        return "in the last week" if weeks == 1 else f"in the last {weeks} weeks"
    return f"in the last {days} days"
