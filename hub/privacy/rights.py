"""The customer's rights as units of work: access (the export document) and erasure, each
on record (an agent's export on the audit trail; the erasure told to subscribers as a change
where the caller stands). erasure.py runs every domain's hooks for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.actors import Principal
from hub.broker import ERASED
from hub.enums import Touchpoint
from hub.privacy import erasure
from hub.profiles import service as profiles


async def export_profile(
    session: AsyncSession, profile_id: str, by: Principal | None
) -> dict[str, Any]:
    """Everything held about the customer (contact details masked for a shared screen)."""
    profile = await profiles.require(session, profile_id)
    document = await erasure.export(session, profile, masked=by is None or by.masked)
    audit.agent_read(session, by, [profile.id], "Exported the profile")
    return document


async def erase_profile(session: AsyncSession, profile_id: str, by: Principal | None) -> int:
    """Erase the customer and suppress their identifiers; answers how many there were."""
    profile = await profiles.require(session, profile_id)
    count = await erasure.erase(session, profile)
    where = (by.touchpoint if by is not None else Touchpoint.WEB).value
    await profiles.touch(session, profile, where, ERASED, "Profile erased", by=by)
    return count
