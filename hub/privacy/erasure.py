"""Access (export) and erasure with suppression.

Each domain exports and erases its own rows (its hooks, hub/lifecycle.py); this module runs
them in their order, over the profile and every profile merged into it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.lifecycle import hooks
from hub.masks import mask_json
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.suppression import SUPPRESSED_KINDS, identifier_hash, suppressed

# Kept here for callers from before hub/suppression.py: identify and ingest import that leaf.
__all__ = ["SUPPRESSED_KINDS", "erase", "export", "identifier_hash", "suppressed"]


async def export(session: AsyncSession, profile: Profile, masked: bool = False) -> dict[str, Any]:
    """Everything held about one customer, as one JSON-ready document (contact details masked
    when it is shown on a shared screen)."""
    document = await hooks().export(session, profile.id, masked)
    document["exportedAt"] = utcnow().isoformat()
    if masked:
        masked_document: dict[str, Any] = mask_json(document)  # type: ignore[assignment]
        return masked_document
    return document


async def erase(session: AsyncSession, profile: Profile) -> int:
    """Delete everything personal in the caller's transaction; suppress the identifiers.
    Answers how many identifiers the profile had."""
    family = [profile.id, *await profiles.merged_into(session, profile.id)]
    erased = await hooks().erase(session, profile.id, family)
    return int(erased.get("identifiers", 0))
