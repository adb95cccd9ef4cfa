"""Preferences' part of whole-profile operations (hub/lifecycle.py): stated preferences,
learned interests and "forget this" markers follow a merge (same facet: the newer answer, the
summed interest) and come back on a split; erasure deletes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.lifecycle import Journal, Lifecycle
from hub.preferences import service as preferences
from hub.preferences.learning import Weights
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
    return await preferences.merge_into(session, absorbed_id, survivor_id, weights)


async def _split(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    await preferences.move_back(session, [int(i) for i in moved["preference_ids"]], restored_id)
    await preferences.restore_preferences(session, restored_id, moved["preferences_combined"])
    await preferences.restore_preferences(
        session, survivor_id, moved.get("survivor_preferences_before", [])
    )
    return {}


async def _split_forgotten(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    await preferences.move_forgotten_back(
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
        select(Affinity).where(Affinity.profile_id == profile_id).order_by(Affinity.id)
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
