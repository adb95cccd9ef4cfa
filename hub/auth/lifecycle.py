"""Auth's part of whole-profile operations (hub/lifecycle.py): the web keys that named the
absorbed profile may reach the survivor; erasure forgets which keys named the customer. And
when a caller names profiles (profiles records a change, or a find, for it), a web key may
reach them by id from then on."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Principal
from hub.auth import repository as repo
from hub.auth import service
from hub.auth.models import KeyProfile
from hub.lifecycle import Journal, Lifecycle


def register(hooks: Lifecycle) -> None:
    hooks.on_merge("auth", 80, _merge, tables=["key_profiles"])
    hooks.on_erase("auth", 20, _erase, tables=["key_profiles"])
    hooks.on_named("auth", 10, _named)
    hooks.keep(
        "auth",
        "key_profiles",
        "split",
        "links stay with the survivor; a key reaches the restored profile once it names it again",
    )


async def _named(session: AsyncSession, principal: Principal, profile_ids: Sequence[str]) -> None:
    await service.remember_profiles(session, principal, profile_ids)


async def _merge(
    session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
) -> Journal:
    await repo.move_links(session, absorbed_id, survivor_id)
    return {}


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    await session.execute(delete(KeyProfile).where(KeyProfile.profile_id.in_(family)))
    return {}
