"""Handoffs' part of whole-profile operations (hub/lifecycle.py): erasure deletes them; a
merge leaves them where they are (a code is for the one visit it was made in)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hub.handoff import repository as repo
from hub.lifecycle import Journal, Lifecycle


def register(hooks: Lifecycle) -> None:
    hooks.on_erase("handoff", 40, _erase, tables=["handoffs"])
    hooks.keep(
        "handoff",
        "handoffs",
        "merge",
        "a handoff lives minutes, for the visit it was made in; it is not moved",
    )


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    await repo.forget(session, family)
    return {}
