"""Identity stewardship: undo a wrong merge, join two profiles an agent confirms are one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.enums import KNOWN_KINDS, IdentifierKind
from hub.errors import DomainError, ErrorCode
from hub.identity import duplicates
from hub.identity import repository as repo
from hub.identity.merging import merge_profiles, survivor_rank
from hub.identity.models import Identifier, Merge
from hub.lifecycle import hooks
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.weights import Weights


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
    # Both locked first (in id order), as a merge locks them: a write holding either is
    # waited for, and what it added is seen, and moved back if it came with those identifiers;
    # a split of the same merge at once is waited for too, and then seen (read again).
    await profiles.lock(session, [merge.survivor_id, merge.merged_id])
    await session.refresh(merge)
    if merge.split_at is not None:
        raise DomainError.one(("mergeId",), ErrorCode.CONFLICT, "That merge was already split.")
    survivor = await profiles.get_live(session, merge.survivor_id)
    if survivor is not None and survivor.id != merge.survivor_id:  # merged on since
        await profiles.lock(session, [survivor.id])
    restored = await session.get(Profile, merge.merged_id)
    if survivor is None or restored is None or restored.erased_at is not None:
        raise DomainError.one(
            ("mergeId",), ErrorCode.NOT_FOUND, "A profile of that merge was erased."
        )
    moved = merge.moved
    profiles.restore(restored, moved["profile"])
    # What the merge filled in on the survivor from it goes back with it (journals written
    # before this was recorded have nothing to take back).
    profiles.take_back(survivor, moved.get("survivor_filled") or {})
    # Each domain moves back what its merge hook moved (hub/lifecycle.py, in their order) and,
    # last, both profiles learn their interests again from the events each now holds.
    back = await hooks().split(session, survivor.id, restored.id, moved, weights)
    remaining = await session.scalars(
        select(Identifier.kind).where(Identifier.profile_id == survivor.id)
    )
    survivor.is_known = any(IdentifierKind(k) in KNOWN_KINDS for k in remaining)
    merge.split_at = utcnow()
    await session.flush()
    await profiles.touch(
        session, restored, touchpoint, "SPLIT", f"Split back out of profile {survivor.id}"
    )
    await profiles.touch(
        session, survivor, touchpoint, "SPLIT", f"Profile {restored.id} split back out"
    )
    return SplitResult(survivor, restored, len(moved["identifier_ids"]), int(back["events"]))


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
    found = await _live_and_locked(session, wanted)
    if len(found) < 2:
        raise DomainError.one(("profileIds",), ErrorCode.CONFLICT, "These are already one profile.")
    survivor, *others = sorted(found, key=survivor_rank)
    merges = [
        await merge_profiles(
            session, survivor, other, touchpoint, weights, reason=f"linked by {actor}"
        )
        for other in others
    ]
    await duplicates.resolve_linked(session, [p.id for p in found], actor)
    await duplicates.answer_conflicts(session, {p.id for p in found}, "RESOLVED")
    await profiles.touch(
        session,
        survivor,
        touchpoint,
        "LINKED",
        f"Linked {len(others)} profile{'s' if len(others) > 1 else ''} by {actor}",
    )
    return survivor, merges


async def _live_and_locked(session: AsyncSession, wanted: Sequence[str]) -> list[Profile]:
    """The live profiles these ids name (a merged one's survivor, each once), locked in id
    order (`profiles.lock`) and read again: a merge or an erasure that committed meanwhile is
    followed, and a `track` or a write holding one of them is waited for, so that nothing it
    adds stays behind on a profile merged away."""
    for _ in range(3):
        found: list[Profile] = []
        for index, pid in enumerate(wanted):
            profile = await profiles.get_live(session, pid)
            if profile is None:
                raise DomainError.one(
                    ("profileIds", index), ErrorCode.NOT_FOUND, f"There is no profile “{pid}”."
                )
            if all(p.id != profile.id for p in found):
                found.append(profile)
        locked = await profiles.lock(session, [p.id for p in found])
        if all(p.merged_into_id is None and p.erased_at is None for p in locked):
            return found
    raise DomainError.one(
        ("profileIds",), ErrorCode.CONFLICT, "These profiles are changing; try again."
    )


async def merges_into(session: AsyncSession, profile_id: str) -> list[Merge]:
    return await repo.merges_for(session, profile_id)
