"""What the profile shows of preferences: stated ones first, then the strongest learned
interests, each with its reason in plain words; and the facets segment rules ask about."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.enums import PreferenceSource
from hub.preferences import repository as repo
from hub.preferences.facts import LearnedFacts, StatedFacts
from hub.preferences.learning import Weights, decayed, strength
from hub.reads import Read
from hub.words import day, items, times, where

MAX_LEARNED_SHOWN = 15


class StatedLike(Protocol):
    """What a view needs of a stated preference (an ORM row or a plain one)."""

    @property
    def profile_id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def like(self) -> bool: ...
    @property
    def weight(self) -> float: ...
    @property
    def touchpoint(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def updated_at(self) -> datetime: ...


class LearnedLike(Protocol):
    """What a view needs of a learned interest (an ORM row or a plain one)."""

    @property
    def profile_id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def as_of(self) -> datetime: ...
    @property
    def views(self) -> int: ...
    @property
    def carts(self) -> int: ...
    @property
    def purchases(self) -> int: ...
    @property
    def returns(self) -> int: ...
    @property
    def last_touchpoint(self) -> str: ...


L = TypeVar("L", bound=LearnedLike)


@dataclass(frozen=True)
class PreferenceView:
    key: str
    value: str
    like: bool
    weight: float
    source: PreferenceSource
    touchpoint: str
    updated_at: datetime
    reason: str
    label: str | None = None


def interests_of(profile_id: str) -> Read[tuple[list[LearnedFacts], list[StatedFacts]]]:
    """A shopper's learned interests and stated preferences as stored (what the recommender
    ranks from, each with its own reading of the weights): plain values, no ORM objects; a
    read to gather with others (`hub.reads.fetch`)."""
    rows = repo.interests_read(profile_id)

    def answer(found: list[Sequence[Any]]) -> tuple[list[LearnedFacts], list[StatedFacts]]:
        learned, stated = rows.answer(found)
        return [LearnedFacts(*r) for r in learned], [StatedFacts(*r) for r in stated]

    return Read(rows.statements, answer)


async def views_for(
    session: AsyncSession, profile_ids: Sequence[str], weights: Weights
) -> dict[str, list[PreferenceView]]:
    """Explicit preferences first, then the strongest learned interests, each with its reason."""
    explicit = await repo.explicit_for(session, profile_ids)
    shown = strongest_learned(await repo.affinities_for(session, profile_ids), weights)
    # Names only for what is shown: a long history has hundreds of learned products.
    labels = await catalog.labels_for(
        session,
        skus={p.value for p in explicit if p.key == "product"}
        | {a.value for rows in shown.values() for _, a in rows if a.key == "product"},
        slugs={p.value for p in explicit if p.key == "category"}
        | {a.value for rows in shown.values() for _, a in rows if a.key == "category"},
    )
    return views_from(explicit, shown, labels)


def views_from(
    explicit: Iterable[StatedLike],
    shown: dict[str, list[tuple[float, L]]],
    labels: Mapping[tuple[str, str], str],
) -> dict[str, list[PreferenceView]]:
    """The views of loaded rows (ORM rows or the profile read's plain ones), with reasons."""
    result: dict[str, list[PreferenceView]] = defaultdict(list)
    for pref in explicit:
        result[pref.profile_id].append(
            PreferenceView(
                key=pref.key,
                value=pref.value,
                like=pref.like,
                weight=pref.weight,
                source=PreferenceSource.EXPLICIT,
                touchpoint=pref.touchpoint,
                updated_at=pref.updated_at,
                reason=explicit_reason(pref),
                label=labels.get((pref.key, pref.value)),
            )
        )
    for profile_id, rows in shown.items():
        for score, affinity in rows:
            label = labels.get((affinity.key, affinity.value))
            result[profile_id].append(
                PreferenceView(
                    key=affinity.key,
                    value=affinity.value,
                    like=score > 0,
                    weight=round(strength(score), 4),
                    source=PreferenceSource.IMPLICIT,
                    touchpoint=affinity.last_touchpoint,
                    updated_at=affinity.as_of,
                    reason=learned_reason(affinity, label),
                    label=label,
                )
            )
    return result


def strongest_learned(
    learned: Iterable[L], weights: Weights, limit: int = MAX_LEARNED_SHOWN
) -> dict[str, list[tuple[float, L]]]:
    """Per profile, the learned interests that matter most, scored as of its newest activity
    (so old data still ranks)."""
    by_profile: dict[str, list[L]] = defaultdict(list)
    for affinity in learned:
        by_profile[affinity.profile_id].append(affinity)
    result: dict[str, list[tuple[float, L]]] = {}
    for profile_id, rows in by_profile.items():
        newest = max(a.as_of for a in rows)
        scored = [(decayed(a.score, a.as_of, newest, weights.half_life_seconds), a) for a in rows]
        scored = [(s, a) for s, a in scored if abs(s) >= 0.5]
        scored.sort(key=lambda pair: abs(pair[0]), reverse=True)
        result[profile_id] = scored[:limit]
    return result


def explicit_reason(pref: StatedLike) -> str:
    said = "said you like" if pref.like else "said you don't like"
    place = where(pref.touchpoint)
    if pref.origin.startswith("survey:"):
        return f"You {said} this in our survey {place} on {day(pref.updated_at)}".replace("  ", " ")
    return f"You {said} this {place} on {day(pref.updated_at)}".replace("  ", " ")


def learned_reason(affinity: LearnedLike, label: str | None) -> str:
    parts: list[str] = []
    if affinity.key == "product":
        for count, verb in (
            (affinity.views, "viewed"),
            (affinity.carts, "put in your basket"),
            (affinity.purchases, "bought"),
            (affinity.returns, "returned"),
        ):
            if count:
                parts.append(times(count, verb))
    else:
        noun = label or affinity.value
        for count, verb in (
            (affinity.views, "viewed"),
            (affinity.carts, "put in your basket"),
            (affinity.purchases, "bought"),
            (affinity.returns, "returned"),
        ):
            if count:
                parts.append(items(count, verb, noun))
    if not parts:
        return f"Learned {where(affinity.last_touchpoint)}".strip()
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return f"You {text}; most recently on {day(affinity.as_of)}"


@dataclass(frozen=True)
class FacetFacts:
    """Per profile: what the customer said about some facets, and what was learned about them
    (squashed into (-1, 1) as of the profile's newest activity, as the profile shows it)."""

    stated: dict[str, dict[tuple[str, str], bool]]
    learned: dict[str, dict[tuple[str, str], float]]


async def facet_facts(
    session: AsyncSession,
    profile_ids: Sequence[str],
    facets: Iterable[tuple[str, str]],
    weights: Weights,
) -> FacetFacts:
    wanted = sorted(set(facets))
    stated: dict[str, dict[tuple[str, str], bool]] = {pid: {} for pid in profile_ids}
    learned: dict[str, dict[tuple[str, str], float]] = {pid: {} for pid in profile_ids}
    if not wanted:
        return FacetFacts(stated, learned)
    wanted_set = set(wanted)
    for pref in await repo.explicit_for(session, profile_ids):
        if (pref.key, pref.value) in wanted_set:
            stated[pref.profile_id].setdefault((pref.key, pref.value), pref.like)
    newest = await repo.newest_activity(session, profile_ids)
    for affinity in await repo.affinities_on(session, profile_ids, wanted):
        at = newest.get(affinity.profile_id, affinity.as_of)
        score = decayed(affinity.score, affinity.as_of, at, weights.half_life_seconds)
        learned[affinity.profile_id][(affinity.key, affinity.value)] = strength(score)
    return FacetFacts(stated, learned)
