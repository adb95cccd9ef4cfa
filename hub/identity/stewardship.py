"""Identity stewardship: undo a wrong merge, join two profiles an agent confirms are one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.db import utcnow
from hub.enums import KNOWN_KINDS, ConsentPurpose, EventType, IdentifierKind
from hub.errors import DomainError, ErrorCode
from hub.events.models import Event
from hub.identity import duplicates
from hub.identity import repository as repo
from hub.identity.models import Identifier, IdentityConflict, Merge
from hub.identity.service import merge_profiles, survivor_rank
from hub.preferences import service as preferences
from hub.preferences.learning import Weights
from hub.privacy import consent
from hub.profiles import service as profiles
from hub.profiles.models import Note, Profile
from hub.registry import repository as registries


@dataclass
class SplitResult:
    survivor: Profile
    restored: Profile
    identifiers: int
    events: int


async def split_profile(
    session: AsyncSession, merge_id: str, touchpoint: str, weights: Weights
) -> SplitResult:
    """Move back exactly what the merge moved, plus later events sent with those identifiers."""
    merge = await session.get(Merge, merge_id) if merge_id and len(merge_id) <= 64 else None
    if merge is None:
        raise DomainError.one(("mergeId",), ErrorCode.NOT_FOUND, f"No merge “{merge_id}”.")
    if merge.split_at is not None:
        raise DomainError.one(("mergeId",), ErrorCode.CONFLICT, "That merge was already split.")
    survivor = await profiles.get_live(session, merge.survivor_id)
    restored = await session.get(Profile, merge.merged_id)
    if survivor is None or restored is None or restored.erased_at is not None:
        raise DomainError.one(
            ("mergeId",), ErrorCode.NOT_FOUND, "A profile of that merge was erased."
        )
    moved = merge.moved
    snapshot = moved["profile"]
    restored.merged_into_id = None
    restored.first_name, restored.last_name = snapshot["first_name"], snapshot["last_name"]
    restored.traits = dict(snapshot["traits"])
    restored.is_known = bool(snapshot["is_known"])
    profiles.refresh_search_name(restored)

    identifier_ids = [int(i) for i in moved["identifier_ids"]]
    await session.execute(
        update(Identifier)
        .where(
            Identifier.id.in_(identifier_ids),
            Identifier.profile_id == survivor.id,
        )
        .values(profile_id=restored.id)
    )
    result = await session.execute(
        update(Event)
        .where(
            Event.identifier_id.in_(identifier_ids),
            Event.profile_id == survivor.id,
        )
        .values(profile_id=restored.id)
    )
    events = int(getattr(result, "rowcount", 0) or 0)
    await session.execute(
        update(Note)
        .where(
            Note.id.in_([int(i) for i in moved["note_ids"]]),
            Note.profile_id == survivor.id,
        )
        .values(profile_id=restored.id)
    )
    await registries.move_back(
        session, [int(i) for i in moved.get("registry_ids", [])], survivor.id, restored.id
    )
    await preferences.move_back(session, [int(i) for i in moved["preference_ids"]], restored.id)
    await preferences.restore_preferences(session, restored.id, moved["preferences_combined"])
    await preferences.restore_preferences(
        session, survivor.id, moved.get("survivor_preferences_before", [])
    )
    await consent.split_back(
        session, survivor.id, restored.id, [int(i) for i in moved["consent_change_ids"]]
    )
    tombstones = [str(t) for t in moved.get("tombstones", [])]
    if tombstones:
        await session.execute(
            update(Profile).where(Profile.id.in_(tombstones)).values(merged_into_id=restored.id)
        )
    await preferences.move_forgotten_back(
        session, [int(i) for i in moved.get("forgotten_ids", [])], restored.id
    )
    remaining = await session.scalars(
        select(Identifier.kind).where(Identifier.profile_id == survivor.id)
    )
    survivor.is_known = any(IdentifierKind(k) in KNOWN_KINDS for k in remaining)
    await _relearn(session, survivor.id, weights)
    await _relearn(session, restored.id, weights)
    merge.split_at = utcnow()
    await session.flush()
    await profiles.touch(
        session, restored, touchpoint, "SPLIT", f"Split back out of profile {survivor.id}"
    )
    await profiles.touch(
        session, survivor, touchpoint, "SPLIT", f"Profile {restored.id} split back out"
    )
    return SplitResult(survivor, restored, len(identifier_ids), events)


async def _relearn(session: AsyncSession, profile_id: str, weights: Weights) -> None:
    allowed = await consent.allowed(session, [profile_id], ConsentPurpose.PERSONALIZATION)
    rows = (
        list(
            await session.scalars(
                select(Event).where(Event.profile_id == profile_id, Event.product_sku.is_not(None))
            )
        )
        if allowed[profile_id]
        else []
    )
    products = await catalog.products(session, {r.product_sku for r in rows if r.product_sku})
    observations = [
        preferences.observe(
            profile_id,
            EventType(r.type),
            products[r.product_sku],
            r.quantity,
            r.occurred_at,
            r.touchpoint,
        )
        for r in rows
        if r.product_sku in products
    ]
    await preferences.rebuild(session, profile_id, observations, weights)


async def link_profiles(
    session: AsyncSession,
    profile_ids: Sequence[str],
    touchpoint: str,
    actor: str,
    weights: Weights,
) -> tuple[Profile, list[Merge]]:
    """An agent confirms these profiles are one person: merge them (known, else oldest, wins)."""
    wanted = list(dict.fromkeys(str(p) for p in profile_ids))
    if len(wanted) < 2:
        raise DomainError.one(("profileIds",), ErrorCode.REQUIRED, "Give two or more profiles.")
    if len(wanted) > 10:
        raise DomainError.one(("profileIds",), ErrorCode.TOO_MANY, "At most 10 at a time.")
    found: list[Profile] = []
    for index, pid in enumerate(wanted):
        profile = await profiles.get_live(session, pid)
        if profile is None:
            raise DomainError.one(
                ("profileIds", index), ErrorCode.NOT_FOUND, f"There is no profile “{pid}”."
            )
        if all(p.id != profile.id for p in found):
            found.append(profile)
    if len(found) < 2:
        raise DomainError.one(("profileIds",), ErrorCode.CONFLICT, "These are already one profile.")
    survivor, *others = sorted(found, key=survivor_rank)
    merges = [
        await merge_profiles(
            session, survivor, other, touchpoint, weights, reason=f"linked by {actor}"
        )
        for other in others
    ]
    ids = {p.id for p in found}
    await duplicates.resolve_linked(session, [p.id for p in found], actor)
    for conflict in await session.scalars(
        select(IdentityConflict).where(IdentityConflict.status == "OPEN")
    ):
        if set(conflict.profile_ids) <= ids:
            conflict.status = "RESOLVED"
    await profiles.touch(
        session,
        survivor,
        touchpoint,
        "LINKED",
        f"Linked {len(others)} profile{'s' if len(others) > 1 else ''} by {actor}",
    )
    return survivor, merges


async def merges_into(session: AsyncSession, profile_id: str) -> list[Merge]:
    return await repo.merges_for(session, profile_id)
