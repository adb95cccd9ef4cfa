"""Merging two profiles into one: the survivor (known, else the oldest) takes in everything the
other held, through every domain's merge hook (hub/lifecycle.py), and a journal row records what
moved so that stewardship can split it back."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.identity import repository as repo
from hub.identity.models import Identifier, Merge
from hub.identity.normalize import IdentifierIn
from hub.lifecycle import hooks
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.weights import Weights


def survivor_rank(profile: Profile) -> tuple[int, object, str]:
    # The known profile survives, else the oldest.
    return (0 if profile.is_known else 1, profile.created_at, profile.id)


def merge_reason(
    wanted: Sequence[IdentifierIn], owner_of: dict[tuple[str, str], Identifier], other: Profile
) -> str:
    kinds = sorted(
        {
            i.kind.value
            for i in wanted
            if (row := owner_of.get((i.kind.value, i.value))) and row.profile_id == other.id
        }
    )
    return "identified together by " + ", ".join(kinds) if kinds else "identified together"


async def merge_profiles(
    session: AsyncSession,
    survivor: Profile,
    merged: Profile,
    touchpoint: str,
    weights: Weights,
    reason: str,
) -> Merge:
    """Move everything from `merged` into `survivor` and journal what moved.

    Each domain moves its own rows (its merge hooks, hub/lifecycle.py, in their order):
    identifiers, events, notes, registries, preferences and interests, consents, earlier
    tombstones, web keys' links. What they answer is the journal a split reads back.
    """
    before = profiles.snapshot(merged)
    moved = await hooks().merge(session, survivor.id, merged.id, weights)
    event_count = int(moved.get("event_count", 0))
    filled = profiles.fill_gaps(survivor, merged)
    merged.merged_into_id = survivor.id
    merge = await repo.add_merge(
        session,
        Merge(
            survivor_id=survivor.id,
            merged_id=merged.id,
            touchpoint=touchpoint,
            reason=reason,
            moved={"profile": before, "survivor_filled": filled, **moved},
            created_at=utcnow(),
        ),
    )
    await profiles.touch(
        session,
        merged,
        touchpoint,
        "MERGED",
        f"Merged into profile {survivor.id}",
        merged_into=survivor.id,
    )
    await profiles.touch(
        session,
        survivor,
        touchpoint,
        "MERGED",
        f"Merged in {'a known' if merged.is_known else 'an anonymous'} profile "
        f"with {event_count} event{'s' if event_count != 1 else ''}",
    )
    return merge
