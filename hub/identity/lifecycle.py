"""Identity's part of whole-profile operations (hub/lifecycle.py): identifiers follow a merge
and come back on a split; on erasure the contact identifiers are suppressed first and, after
every other domain, identifiers, duplicate candidates, conflicts and the merge journal go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import suppression
from hub.enums import IdentifierKind
from hub.identity import repository as repo
from hub.identity.models import DuplicateCandidate, Identifier, IdentityConflict, Merge
from hub.identity.normalize import mask
from hub.lifecycle import Journal, Lifecycle, hand_back


def register(hooks: Lifecycle) -> None:
    hooks.on_merge("identity", 10, _merge, tables=["identifiers"])
    hooks.on_split("identity", 10, _split, tables=["identifiers"])
    hooks.on_erase("identity", 10, _suppress)
    hooks.on_erase(
        "identity",
        80,
        _erase,
        tables=["identifiers", "duplicate_candidates", "identity_conflicts", "merges"],
    )
    hooks.on_export("identity", 20, _export, tables=["identifiers"])


async def _merge(
    session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
) -> Journal:
    return {"identifier_ids": await repo.move_all(session, absorbed_id, survivor_id)}


async def _split(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    await hand_back(session, Identifier.id, moved["identifier_ids"], survivor_id, restored_id)
    return {}


async def _suppress(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    """Before anything goes: the identifiers that name the person are never used again."""
    identifiers = list(
        await session.scalars(select(Identifier).where(Identifier.profile_id == profile_id))
    )
    await suppression.suppress(session, [(i.kind, i.value) for i in identifiers])
    return {"identifiers": len(identifiers)}


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    await session.execute(delete(Identifier).where(Identifier.profile_id.in_(family)))
    await session.execute(
        delete(DuplicateCandidate).where(
            DuplicateCandidate.profile_a.in_(family) | DuplicateCandidate.profile_b.in_(family)
        )
    )
    for conflict in list(await session.scalars(select(IdentityConflict))):
        if set(conflict.profile_ids) & set(family):
            await session.delete(conflict)
    await session.execute(
        delete(Merge).where(Merge.survivor_id.in_(family) | Merge.merged_id.in_(family))
    )
    return {}


async def _export(session: AsyncSession, profile_id: str, masked: bool) -> Journal:
    rows = await session.scalars(
        select(Identifier).where(Identifier.profile_id == profile_id).order_by(Identifier.id)
    )
    return {
        "identifiers": [
            {
                "kind": i.kind,
                "value": mask(IdentifierKind(i.kind), i.value) if masked else i.value,
                "touchpoint": i.touchpoint,
                "createdAt": i.created_at.isoformat(),
            }
            for i in rows
        ]
    }
