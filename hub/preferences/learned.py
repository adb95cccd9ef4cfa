"""Learned interests: what the customer's events teach (folded in the events' transaction),
rebuilt after a split, and what the customer asked us to forget (never taught again by events
up to that moment). The arithmetic is in learning.py."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog.models import Product
from hub.db import utcnow
from hub.enums import EventType
from hub.preferences import repository as repo
from hub.preferences.learning import Interest, Weights, fold
from hub.preferences.models import Affinity, ForgottenInterest
from hub.reads import Read


class Observation(NamedTuple):
    """One event, as far as learning cares (a named tuple: ingest builds thousands a batch)."""

    profile_id: str
    event_type: EventType
    sku: str
    category: str | None
    tags: tuple[str, ...]
    quantity: int | None
    at: datetime
    touchpoint: str


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
    observations = await not_forgotten(session, observations)
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
    observations = await not_forgotten(session, observations)
    created = accumulate({}, sorted(observations, key=lambda o: o.at), weights)
    return await repo.insert_affinities(session, created.values())


def forgotten_markers(
    session: AsyncSession, profile_ids: Sequence[str]
) -> Read[dict[tuple[str, str, str], datetime]]:
    """What these profiles asked us to forget, (profile, key, value) → when, as a read to
    gather with a write's others; `not_forgotten` takes it."""
    return repo.forgotten_markers(session, profile_ids)


async def not_forgotten(
    session: AsyncSession,
    observations: Sequence[Observation],
    new_profiles: Collection[str] = (),
    forgotten: Mapping[tuple[str, str, str], datetime] | None = None,
) -> list[Observation]:
    """Drop what an observation would teach about interests the customer asked us to forget,
    for events up to the moment they asked. `new_profiles`: created in this transaction, so
    nothing of theirs was forgotten (not looked up). `forgotten`: the markers of these
    profiles, already read (`repo.forgotten_markers`), or None to read them here."""
    if forgotten is None:
        asked = list({o.profile_id for o in observations} - set(new_profiles))
        forgotten = {
            (f.profile_id, f.key, f.value): f.forgotten_at
            for f in (await repo.forgotten_for(session, asked) if asked else ())
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


async def forget(session: AsyncSession, profile_id: str, key: str, value: str) -> bool:
    """Delete one learned interest and keep old events from teaching it again; True when
    something had been learned. `key` and `value` are already checked."""
    rows = await repo.affinities_matching(session, [(profile_id, key, value)])
    markers = {(f.key, f.value): f for f in await repo.forgotten_for(session, [profile_id])}
    marker = markers.get((key, value))
    if marker is None:
        session.add(
            ForgottenInterest(profile_id=profile_id, key=key, value=value, forgotten_at=utcnow())
        )
    else:
        marker.forgotten_at = utcnow()
    await repo.delete_affinities(session, profile_id, [(key, value)])
    await session.flush()
    return bool(rows)


async def insert_learned(session: AsyncSession, created: Iterable[Interest]) -> int:
    return await repo.insert_affinities(session, created)


async def forget_learned(session: AsyncSession, profile_id: str) -> None:
    await repo.delete_all_affinities(session, profile_id)
