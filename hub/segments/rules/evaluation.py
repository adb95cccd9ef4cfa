"""The pure evaluation of a rule against one profile's facts: a verdict with its reason in plain
words, for a match and for a miss alike (so `not` explains itself too)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.enums import ConsentPurpose, EventType, IdentifierKind
from hub.masks import mask_postcode
from hub.segments.rules.nodes import (
    TRAITS,
    All,
    AnyOf,
    ConsentIs,
    EventCount,
    EventQuery,
    HasIdentifier,
    Known,
    Not,
    PreferenceIs,
    Rule,
    Spend,
    TraitIs,
)
from hub.words import where

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
    if facts.discreet and rule.name == "postcode":
        value = mask_postcode(value)  # a shared screen names the district, not the street
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
