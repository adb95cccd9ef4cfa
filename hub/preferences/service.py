"""Explicit preferences (what the customer told us) and learned interests (what we saw)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.catalog.models import Product
from hub.db import utcnow
from hub.enums import EventType, PreferenceSource
from hub.errors import ErrorCode, Problems
from hub.identity.normalize import looks_like_contact
from hub.preferences import repository as repo
from hub.preferences.learning import Interest, Weights, decayed, fold, strength
from hub.preferences.models import Affinity, ForgottenInterest, Preference
from hub.words import day, items, times, where

MAX_PREFERENCES_PER_CALL = 100
MAX_LEARNED_SHOWN = 15
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
CONTACT_IN_VALUE = (
    "This looks like an email address or a phone number. Contact details belong with the "
    "customer's identifiers and consents, not in preferences: please leave them out."
)


@dataclass(frozen=True)
class PreferenceChange:
    key: str
    value: str
    like: bool = True
    remove: bool = False
    question: str | None = None


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


@dataclass(frozen=True)
class Observation:
    """One event, as far as learning cares."""

    profile_id: str
    event_type: EventType
    sku: str
    category: str | None
    tags: tuple[str, ...]
    quantity: int | None
    at: datetime
    touchpoint: str


async def set_preferences(
    session: AsyncSession, profile_id: str, touchpoint: str, changes: Sequence[PreferenceChange]
) -> list[Preference]:
    """Record what the customer said; all or nothing."""
    problems = Problems()
    if not changes:
        problems.add(("preferences",), ErrorCode.REQUIRED, "Give at least one preference.")
    if len(changes) > MAX_PREFERENCES_PER_CALL:
        problems.add(
            ("preferences",),
            ErrorCode.TOO_MANY,
            f"At most {MAX_PREFERENCES_PER_CALL} preferences at a time.",
        )
    problems.raise_if_any()
    cleaned: list[PreferenceChange] = []
    for index, change in enumerate(changes):
        key = (change.key or "").strip().lower()
        value = (change.value or "").strip()
        if not _KEY.match(key):
            problems.add(
                ("preferences", index, "key"),
                ErrorCode.INVALID,
                "A preference key is a lower-case word such as category, theme, product or size.",
            )
        if not value:
            problems.add(
                ("preferences", index, "value"), ErrorCode.REQUIRED, "A value is required."
            )
        elif len(value) > 200:
            problems.add(
                ("preferences", index, "value"), ErrorCode.TOO_LONG, "At most 200 characters."
            )
        elif not change.remove and looks_like_contact(value):
            # Preferences are shown on shared screens; a stored one may still be removed.
            problems.add(("preferences", index, "value"), ErrorCode.CONTACT_DATA, CONTACT_IN_VALUE)
        if change.question is not None and not (0 < len(change.question.strip()) <= 80):
            problems.add(
                ("preferences", index, "question"),
                ErrorCode.INVALID,
                "A survey question id is 1 to 80 characters.",
            )
        cleaned.append(PreferenceChange(key, value, change.like, change.remove, change.question))
    problems.raise_if_any()
    await _check_catalog_values(session, cleaned)

    now = utcnow()
    stored: list[Preference] = []
    for change in cleaned:
        existing = await repo.explicit_one(session, profile_id, change.key, change.value)
        if change.remove:
            if existing is not None:
                await repo.delete_explicit(session, [existing.id])
            continue
        origin = f"survey:{change.question.strip()}" if change.question else "preferences"
        if existing is None:
            existing = Preference(
                profile_id=profile_id, key=change.key, value=change.value, created_at=now
            )
            session.add(existing)
        existing.like = change.like
        existing.weight = 1.0 if change.like else -1.0
        existing.touchpoint = touchpoint
        existing.origin = origin
        existing.updated_at = now
        stored.append(existing)
    await session.flush()
    return stored


async def _check_catalog_values(session: AsyncSession, changes: Sequence[PreferenceChange]) -> None:
    problems = Problems()
    skus = {c.value for c in changes if c.key == "product"}
    slugs = {c.value for c in changes if c.key == "category"}
    known_skus = await catalog.existing_skus(session, skus)
    known_slugs = await catalog.existing_categories(session, slugs)
    for index, change in enumerate(changes):
        if change.key == "product" and change.value not in known_skus:
            problems.add(
                ("preferences", index, "value"),
                ErrorCode.NOT_FOUND,
                f"There is no product with SKU “{change.value}”.",
            )
        if change.key == "category" and change.value not in known_slugs:
            problems.add(
                ("preferences", index, "value"),
                ErrorCode.NOT_FOUND,
                f"There is no category “{change.value}”.",
            )
    problems.raise_if_any()


def observe(
    profile_id: str,
    event_type: EventType,
    product: Product,
    quantity: int | None,
    at: datetime,
    touchpoint: str,
) -> Observation:
    return Observation(
        profile_id=profile_id,
        event_type=event_type,
        sku=product.sku,
        category=product.category_slug,
        tags=tuple(product.tags or ()),
        quantity=quantity,
        at=at,
        touchpoint=touchpoint,
    )


def accumulate(
    known: dict[tuple[str, str, str], Affinity],
    observations: Iterable[Observation],
    weights: Weights,
) -> dict[tuple[str, str, str], Interest]:
    """Fold observations into `known` (updated in place); returns the interests it created.

    The one learning rule, shared by live events, the demo import and a rebuild after a split.
    """
    working: dict[tuple[str, str, str], Interest] = {}
    half_life = weights.half_life_seconds
    for obs in observations:
        weight = weights.for_event(obs.event_type, obs.quantity)
        if weight is None:
            continue
        for triple in _triples(obs):
            interest = working.get(triple)
            if interest is None:
                row = known.get(triple)
                interest = working[triple] = (
                    Interest.copy_of(row) if row is not None else Interest(*triple, as_of=obs.at)
                )
            interest.score, interest.as_of = fold(
                interest.score, interest.as_of, weight, obs.at, half_life
            )
            interest.count(obs.event_type)
            interest.last_touchpoint = obs.touchpoint
    now = utcnow()
    created: dict[tuple[str, str, str], Interest] = {}
    for triple, interest in working.items():
        interest.updated_at = now
        row = known.get(triple)
        if row is None:
            created[triple] = interest
            continue
        for column in repo.LEARNED_COLUMNS:
            setattr(row, column, getattr(interest, column))
    return created


def _triples(obs: Observation) -> list[tuple[str, str, str]]:
    triples = [(obs.profile_id, "product", obs.sku)]
    if obs.category:
        triples.append((obs.profile_id, "category", obs.category))
    triples.extend((obs.profile_id, "theme", tag) for tag in obs.tags)
    return triples


async def learn(
    session: AsyncSession, observations: Sequence[Observation], weights: Weights
) -> int:
    """Fold events into learned interests, in the caller's transaction. Returns rows touched."""
    observations = await _not_forgotten(session, observations)
    if not observations:
        return 0
    known = {
        (a.profile_id, a.key, a.value): a
        for a in await repo.affinities_matching(
            session, (t for obs in observations for t in _triples(obs))
        )
    }
    await session.flush()  # whatever this transaction changed before, written first
    created = accumulate(known, sorted(observations, key=lambda o: o.at), weights)
    repo.mark_learned(known.values())
    await session.flush()
    await repo.insert_affinities(session, created.values())
    return len(known) + len(created)


async def rebuild(
    session: AsyncSession, profile_id: str, observations: Sequence[Observation], weights: Weights
) -> int:
    """Learn a profile's interests again from its events (after a split moved some away)."""
    await forget_learned(session, profile_id)
    observations = await _not_forgotten(session, observations)
    created = accumulate({}, sorted(observations, key=lambda o: o.at), weights)
    return await repo.insert_affinities(session, created.values())


async def _not_forgotten(
    session: AsyncSession, observations: Sequence[Observation]
) -> list[Observation]:
    """Drop what an observation would teach about interests the customer asked us to forget,
    for events up to the moment they asked."""
    forgotten = {
        (f.profile_id, f.key, f.value): f.forgotten_at
        for f in await repo.forgotten_for(session, list({o.profile_id for o in observations}))
    }
    if not forgotten:
        return list(observations)
    kept = []
    for obs in observations:

        def remembered(key: str, value: str, obs: Observation = obs) -> bool:
            until = forgotten.get((obs.profile_id, key, value))
            return until is None or obs.at > until

        if not remembered("product", obs.sku):
            continue
        kept.append(
            Observation(
                obs.profile_id,
                obs.event_type,
                obs.sku,
                obs.category if obs.category and remembered("category", obs.category) else None,
                tuple(t for t in obs.tags if remembered("theme", t)),
                obs.quantity,
                obs.at,
                obs.touchpoint,
            )
        )
    return kept


async def forget_interest(session: AsyncSession, profile_id: str, key: str, value: str) -> bool:
    """Delete one learned interest and keep old events from teaching it again."""
    problems = Problems()
    key, value = (key or "").strip().lower(), (value or "").strip()
    if not _KEY.match(key):
        problems.add(
            ("key",),
            ErrorCode.INVALID,
            "A preference key is a lower-case word such as category, theme, product or size.",
        )
    if not value:
        problems.add(("value",), ErrorCode.REQUIRED, "A value is required.")
    elif len(value) > 200:
        problems.add(("value",), ErrorCode.TOO_LONG, "At most 200 characters.")
    problems.raise_if_any()
    rows = await repo.affinities_matching(session, [(profile_id, key, value)])
    markers = {(f.key, f.value): f for f in await repo.forgotten_for(session, [profile_id])}
    marker = markers.get((key, value))
    if marker is None:
        session.add(
            ForgottenInterest(profile_id=profile_id, key=key, value=value, forgotten_at=utcnow())
        )
    else:
        marker.forgotten_at = utcnow()
    await repo.delete_affinities(session, [a.id for a in rows])
    await session.flush()
    return bool(rows)


async def insert_learned(session: AsyncSession, created: Iterable[Interest]) -> int:
    return await repo.insert_affinities(session, created)


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
    learned: Sequence[Affinity], weights: Weights, limit: int = MAX_LEARNED_SHOWN
) -> dict[str, list[tuple[float, Affinity]]]:
    """Per profile, the learned interests that matter most, scored as of its newest activity
    (so old data still ranks)."""
    by_profile: dict[str, list[Affinity]] = defaultdict(list)
    for affinity in learned:
        by_profile[affinity.profile_id].append(affinity)
    result: dict[str, list[tuple[float, Affinity]]] = {}
    for profile_id, rows in by_profile.items():
        newest = max(a.as_of for a in rows)
        scored = [(decayed(a.score, a.as_of, newest, weights.half_life_seconds), a) for a in rows]
        scored = [(s, a) for s, a in scored if abs(s) >= 0.5]
        scored.sort(key=lambda pair: abs(pair[0]), reverse=True)
        result[profile_id] = scored[:limit]
    return result


async def has_stated(session: AsyncSession, profile_id: str) -> bool:
    """Whether the customer has told us any preference at all."""
    return bool(await repo.explicit_for(session, [profile_id]))


def explicit_reason(pref: Preference) -> str:
    said = "said you like" if pref.like else "said you don't like"
    place = where(pref.touchpoint)
    if pref.origin.startswith("survey:"):
        return f"You {said} this in our survey {place} on {day(pref.updated_at)}".replace("  ", " ")
    return f"You {said} this {place} on {day(pref.updated_at)}".replace("  ", " ")


def learned_reason(affinity: Affinity, label: str | None) -> str:
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


async def merge_into(
    session: AsyncSession, merged_id: str, survivor_id: str, weights: Weights
) -> dict[str, object]:
    """Move preferences and interests; same facet on both: the newer answer, summed interest."""
    moved_explicit: list[int] = []
    dropped_explicit: list[dict[str, object]] = []
    overwritten: list[dict[str, object]] = []
    ours = {(p.key, p.value): p for p in await repo.explicit_for(session, [survivor_id])}
    for pref in await repo.explicit_for(session, [merged_id]):
        mine = ours.get((pref.key, pref.value))
        if mine is None:
            moved_explicit.append(pref.id)
            continue
        if pref.updated_at > mine.updated_at:
            overwritten.append(preference_snapshot(mine))
            mine.like, mine.weight, mine.touchpoint = pref.like, pref.weight, pref.touchpoint
            mine.origin, mine.updated_at = pref.origin, pref.updated_at
        dropped_explicit.append(preference_snapshot(pref))
        await repo.delete_explicit(session, [pref.id])
    await repo.move_explicit(session, moved_explicit, survivor_id)

    moved_learned: list[int] = []
    combined = 0
    our_interests = {(a.key, a.value): a for a in await repo.affinities_for(session, [survivor_id])}
    for affinity in await repo.affinities_for(session, [merged_id]):
        mine_a = our_interests.get((affinity.key, affinity.value))
        if mine_a is None:
            moved_learned.append(affinity.id)
            continue
        newest = max(mine_a.as_of, affinity.as_of)
        hl = weights.half_life_seconds
        mine_a.score = decayed(mine_a.score, mine_a.as_of, newest, hl) + decayed(
            affinity.score, affinity.as_of, newest, hl
        )
        mine_a.as_of = newest
        mine_a.views += affinity.views
        mine_a.carts += affinity.carts
        mine_a.purchases += affinity.purchases
        mine_a.returns += affinity.returns
        combined += 1
        await repo.delete_affinities(session, [affinity.id])
    await repo.move_affinities(session, moved_learned, survivor_id)
    forgotten_ids = await _move_forgotten(session, merged_id, survivor_id)
    await session.flush()
    return {
        "forgotten_ids": forgotten_ids,
        "preference_ids": moved_explicit,
        "preferences_combined": dropped_explicit,
        "survivor_preferences_before": overwritten,
        "affinity_ids": moved_learned,
        "affinities_combined": combined,
    }


def preference_snapshot(pref: Preference) -> dict[str, object]:
    return {
        "key": pref.key,
        "value": pref.value,
        "like": pref.like,
        "weight": pref.weight,
        "touchpoint": pref.touchpoint,
        "origin": pref.origin,
        "created_at": pref.created_at.isoformat(),
        "updated_at": pref.updated_at.isoformat(),
    }


async def restore_preferences(
    session: AsyncSession, profile_id: str, snapshots: Sequence[dict[str, Any]]
) -> None:
    """Put back stated preferences as a merge journal recorded them."""
    for snap in snapshots:
        row = await repo.explicit_one(session, profile_id, snap["key"], snap["value"])
        if row is None:
            row = Preference(profile_id=profile_id, key=snap["key"], value=snap["value"])
            session.add(row)
        row.like, row.weight = bool(snap["like"]), float(snap["weight"])
        row.touchpoint, row.origin = snap["touchpoint"], snap["origin"]
        row.created_at = datetime.fromisoformat(snap["created_at"])
        row.updated_at = datetime.fromisoformat(snap["updated_at"])
    await session.flush()


async def move_back(session: AsyncSession, preference_ids: Sequence[int], to_profile: str) -> None:
    await repo.move_explicit(session, preference_ids, to_profile)


async def _move_forgotten(session: AsyncSession, from_id: str, to_id: str) -> list[int]:
    """What the merged profile asked us to forget stays forgotten on the survivor."""
    ours = {(f.key, f.value): f for f in await repo.forgotten_for(session, [to_id])}
    moved = []
    for marker in await repo.forgotten_for(session, [from_id]):
        mine = ours.get((marker.key, marker.value))
        if mine is None:
            marker.profile_id = to_id
            moved.append(marker.id)
        else:
            mine.forgotten_at = max(mine.forgotten_at, marker.forgotten_at)
            await session.delete(marker)
    return moved


async def move_forgotten_back(session: AsyncSession, ids: Sequence[int], to_id: str) -> None:
    for marker in await repo.forgotten_by_ids(session, ids):
        marker.profile_id = to_id


async def forget_learned(session: AsyncSession, profile_id: str) -> None:
    await repo.delete_affinities(
        session, [a.id for a in await repo.affinities_for(session, [profile_id])]
    )


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
