"""Campaigns' part of whole-profile operations (hub/lifecycle.py). A run's audience is frozen
as assigned: a recipient merged since is followed to the profile now holding their events
(through `merged_into_id`), and an erased one stays in their group (profile id, group, code
and dates: the comparison is as assigned at the run) — but the segment's reason frozen for
them ("Your postcode is SW1A 1AA") is theirs, and goes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hub.campaigns import repository as repo
from hub.lifecycle import Journal, Lifecycle

ERASED_REASON = "(erased)"


def register(hooks: Lifecycle) -> None:
    hooks.keep(
        "campaigns",
        "campaign_recipients",
        "merge",
        "the audience is frozen at the run; evaluation follows merged_into_id",
    )
    hooks.on_erase("campaigns", 55, _erase, tables=["campaign_recipients"])


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    """An erased recipient stays in their group; what the segment said of them goes."""
    await repo.forget_reasons(session, family, ERASED_REASON)
    return {}
