"""Gift registries' part of whole-profile operations (hub/lifecycle.py): registries follow
their owner into a merge and back out on a split; erasure removes the registries the customer
owns and their name from others' purchases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.lifecycle import Journal, Lifecycle, hand_back
from hub.registry import repository as repo
from hub.registry.models import GiftRegistry


def register(hooks: Lifecycle) -> None:
    hooks.on_merge("registry", 40, _merge, tables=["gift_registries"])
    hooks.on_split("registry", 40, _split, tables=["gift_registries"])
    hooks.on_erase(
        "registry",
        30,
        _erase,
        tables=["gift_registries", "gift_registry_items", "gift_registry_purchases"],
    )
    hooks.on_export("registry", 50, _export, tables=["gift_registries"])
    hooks.keep(
        "registry",
        "gift_registry_purchases",
        "merge",
        "a purchase names its buyer as they were; the registry it was for moves",
    )


async def _merge(
    session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
) -> Journal:
    return {"registry_ids": await repo.move_owned(session, absorbed_id, survivor_id)}


async def _split(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    ids = moved.get("registry_ids", [])
    await hand_back(session, GiftRegistry.id, ids, survivor_id, restored_id)
    return {}


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    await repo.forget(session, family)
    return {}


async def _export(session: AsyncSession, profile_id: str, masked: bool) -> Journal:
    return {
        "giftRegistries": [
            {
                "code": g.code,
                "title": g.title,
                "occasion": g.occasion,
                "eventDate": g.event_date.isoformat() if g.event_date else None,
                "createdAt": g.created_at.isoformat(),
            }
            for g in await repo.owned_by(session, [profile_id])
        ]
    }
