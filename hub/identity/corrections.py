"""Corrections of identity: the customer (or an agent for them) takes an identifier off."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Principal
from hub.enums import KNOWN_KINDS, IdentifierKind
from hub.errors import DomainError, ErrorCode
from hub.identity import repository as repo
from hub.identity.normalize import IdentifierIn
from hub.identity.service import normalize_one
from hub.lifecycle import hooks
from hub.profiles import service as profiles
from hub.profiles.models import Profile


async def remove_identifier(
    session: AsyncSession,
    profile_id: str,
    identifier: IdentifierIn,
    region: str,
    touchpoint: str,
    by: Principal | None,
) -> Profile:
    """One identifier off the profile (still known while a person-naming one is left), as a
    change on it."""
    profile = await profiles.require(session, profile_id)
    normal = normalize_one(identifier, region, ("identifier",))
    rows = [
        r
        for r in await repo.find(session, [(normal.kind.value, normal.value)])
        if r.profile_id == profile.id
    ]
    if not rows:
        raise DomainError.one(
            ("identifier",), ErrorCode.NOT_FOUND, "That identifier is not on this profile."
        )
    # Its past events stay on the profile, no longer linked to it (events' unlink hook).
    await hooks().unlink(session, [rows[0].id])
    await repo.remove(session, rows[0])
    remaining = await repo.for_profiles(session, [profile.id])
    profile.is_known = any(IdentifierKind(r.kind) in KNOWN_KINDS for r in remaining)
    summary = f"Removed a {identifier.kind.value.replace('_', ' ').lower()}"
    await profiles.touch(session, profile, touchpoint, "IDENTIFIED", summary, by=by)
    return profile
