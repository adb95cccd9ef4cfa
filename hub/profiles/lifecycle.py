"""Profiles' part of whole-profile operations (hub/lifecycle.py): notes follow a merge and come
back on a split, profiles merged earlier into the absorbed one point at the survivor (and back);
erasure deletes the notes and, last of all, blanks the profile rows (kept as tombstones)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.lifecycle import Journal, Lifecycle, hand_back
from hub.masks import mask_postcode
from hub.profiles import repository as repo
from hub.profiles.models import Note, Profile


def register(hooks: Lifecycle) -> None:
    hooks.on_merge("profiles", 30, _merge_notes, tables=["notes"])
    hooks.on_merge("profiles", 70, _merge_tombstones, tables=["profiles"])
    hooks.on_split("profiles", 30, _split_notes, tables=["notes"])
    hooks.on_split("profiles", 70, _split_tombstones, tables=["profiles"])
    hooks.on_erase("profiles", 70, _erase_notes, tables=["notes"])
    hooks.on_erase("profiles", 90, _erase_profiles, tables=["profiles"])
    hooks.on_export("profiles", 10, _export_profile, tables=["profiles"])
    hooks.on_export("profiles", 60, _export_notes, tables=["notes"])


async def _merge_notes(
    session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
) -> Journal:
    return {"note_ids": await repo.move_notes(session, absorbed_id, survivor_id)}


async def _merge_tombstones(
    session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
) -> Journal:
    """Profiles merged earlier into the absorbed one now point straight at the survivor."""
    rows = await session.scalars(
        update(Profile)
        .where(Profile.merged_into_id == absorbed_id)
        .values(merged_into_id=survivor_id)
        .returning(Profile.id)
    )
    return {"tombstones": list(rows)}


async def _split_notes(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    await hand_back(session, Note.id, moved["note_ids"], survivor_id, restored_id)
    return {}


async def _split_tombstones(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    tombstones = [str(t) for t in moved.get("tombstones", [])]
    if tombstones:
        await session.execute(
            update(Profile).where(Profile.id.in_(tombstones)).values(merged_into_id=restored_id)
        )
    return {}


async def _erase_notes(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    await session.execute(delete(Note).where(Note.profile_id.in_(family)))
    return {}


async def _erase_profiles(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    await session.execute(
        update(Profile)
        .where(Profile.id.in_(family))
        .values(
            first_name=None,
            last_name=None,
            search_name=None,
            traits={},
            is_known=False,
            erased_at=utcnow(),
        )
    )
    return {}


async def _export_profile(session: AsyncSession, profile_id: str, masked: bool) -> Journal:
    profile = await session.get(Profile, profile_id)
    assert profile is not None
    merged_ids = await repo.merged_into(session, profile_id)
    return {
        "profile": {
            "id": profile_id,
            "firstName": profile.first_name,
            "lastName": profile.last_name,
            "traits": _traits(profile.traits or {}, masked),
            "createdAt": profile.created_at.isoformat(),
            "updatedAt": profile.updated_at.isoformat(),
            "version": profile.version,
            "mergedProfileIds": merged_ids,
        }
    }


def _traits(traits: Mapping[str, Any], masked: bool) -> dict[str, Any]:
    """Stated traits; on a shared screen the postcode names its district only."""
    shown = dict(traits)
    if masked and isinstance(shown.get("postcode"), str):
        shown["postcode"] = mask_postcode(shown["postcode"])
    return shown


async def _export_notes(session: AsyncSession, profile_id: str, masked: bool) -> Journal:
    rows = await session.scalars(
        select(Note).where(Note.profile_id == profile_id).order_by(Note.created_at)
    )
    return {
        "notes": [
            {"text": n.text, "author": n.author, "createdAt": n.created_at.isoformat()}
            for n in rows
        ]
    }
