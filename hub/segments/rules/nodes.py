"""The rule tree (hub/segments/rules/__init__.py has the language), and what a rule asks of the
store: the facets and counts to load (`needs`) and whether it looks at behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MIN_WEIGHT = 0.2
TRAITS = {"preferredStore": "preferred store", "postcode": "postcode"}


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
