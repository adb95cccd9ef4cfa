"""Preferences' part of whole-profile operations (hub/lifecycle.py): stated preferences,
learned interests and "forget this" markers follow a merge (same facet: the newer answer, the
summed interest) and come back on a split; erasure deletes them. The merge and split work
itself is here too (`merge_into`, `restore_preferences`, …)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.lifecycle import Journal, Lifecycle
from hub.preferences import repository as repo
from hub.preferences.learning import Weights, decayed
from hub.preferences.models import Affinity, ForgottenInterest, Preference

_TABLES = ["preferences", "affinities", "forgotten_interests"]


def register(hooks: Lifecycle) -> None:
    hooks.on_merge("preferences", 50, _merge, tables=_TABLES)
    hooks.on_split("preferences", 50, _split, tables=["preferences"])
    hooks.on_split("preferences", 80, _split_forgotten, tables=["forgotten_interests"])
    hooks.on_erase("preferences", 60, _erase, tables=_TABLES)
    hooks.on_export("preferences", 30, _export, tables=["preferences", "affinities"])
    hooks.keep(
        "preferences",
        "affinities",
        "split",
        "learned again from the events each profile holds (events' last split step)",
    )


async def _merge(
    session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
) -> Journal:
    if not isinstance(weights, Weights):
        raise TypeError("a merge needs the learning weights")
    return await merge_into(session, absorbed_id, survivor_id, weights)


async def _split(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    await move_back(session, [int(i) for i in moved["preference_ids"]], restored_id)
    await restore_preferences(session, restored_id, moved["preferences_combined"])
    await restore_preferences(session, survivor_id, moved.get("survivor_preferences_before", []))
    return {}


async def _split_forgotten(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    await move_forgotten_back(
        session, [int(i) for i in moved.get("forgotten_ids", [])], restored_id
    )
    return {}


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    for model in (ForgottenInterest, Preference, Affinity):
        await session.execute(delete(model).where(model.profile_id.in_(family)))
    return {}


async def _export(session: AsyncSession, profile_id: str, masked: bool) -> Journal:
    preferences_ = await session.scalars(
        select(Preference).where(Preference.profile_id == profile_id).order_by(Preference.id)
    )
    stated = [
        {
            "key": p.key,
            "value": p.value,
            "like": p.like,
            "touchpoint": p.touchpoint,
            "origin": p.origin,
            "updatedAt": p.updated_at.isoformat(),
        }
        for p in preferences_
    ]
    affinities = await session.scalars(
        select(Affinity)
        .where(Affinity.profile_id == profile_id)
        .order_by(Affinity.as_of, Affinity.key, Affinity.value)
    )
    learned = [
        {
            "key": a.key,
            "value": a.value,
            "score": round(a.score, 4),
            "asOf": a.as_of.isoformat(),
            "views": a.views,
            "carts": a.carts,
            "purchases": a.purchases,
            "returns": a.returns,
        }
        for a in affinities
    ]
    return {"preferences": stated, "learnedInterests": learned}


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

    moved_learned: list[list[str]] = []
    combined: list[tuple[str, str]] = []
    our_interests = {(a.key, a.value): a for a in await repo.affinities_for(session, [survivor_id])}
    theirs = await repo.affinities_for(session, [merged_id])
    # One person now: what either profile asked us to forget, the other's older learning must
    # not bring back ("old events must not teach them again"); learned since still counts.
    our_forgotten = await _forgotten_at(session, survivor_id)
    their_forgotten = await _forgotten_at(session, merged_id)
    unlearned = [
        (a.key, a.value)
        for a in our_interests.values()
        if _taught_before(a.as_of, their_forgotten.get((a.key, a.value)))
    ]
    if unlearned:
        await repo.delete_affinities(session, survivor_id, unlearned)
        for pair in unlearned:
            our_interests.pop(pair)
    for affinity in theirs:
        if _taught_before(affinity.as_of, our_forgotten.get((affinity.key, affinity.value))):
            combined.append((affinity.key, affinity.value))  # deleted below, not moved
            continue
        mine_a = our_interests.get((affinity.key, affinity.value))
        if mine_a is None:
            moved_learned.append([affinity.key, affinity.value])
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
        combined.append((affinity.key, affinity.value))
    for affinity in theirs:  # keyed by profile: the rows moved below are other rows now
        session.expunge(affinity)
    await session.flush()
    await repo.delete_affinities(session, merged_id, combined)
    await repo.move_affinities(session, merged_id, survivor_id)
    forgotten_ids = await _move_forgotten(session, merged_id, survivor_id)
    await session.flush()
    return {
        "forgotten_ids": forgotten_ids,
        "preference_ids": moved_explicit,
        "preferences_combined": dropped_explicit,
        "survivor_preferences_before": overwritten,
        "affinities_moved": moved_learned,
        "affinities_combined": len(combined),
    }


async def _forgotten_at(session: AsyncSession, profile_id: str) -> dict[tuple[str, str], datetime]:
    return {
        (f.key, f.value): f.forgotten_at for f in await repo.forgotten_for(session, [profile_id])
    }


def _taught_before(as_of: datetime, forgotten_at: datetime | None) -> bool:
    """Whether a learned interest holds nothing newer than the moment it was forgotten."""
    return forgotten_at is not None and as_of <= forgotten_at


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
