"""Identifiers → owners for a batch of thousands (ingest), in plain rows, no ORM objects."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import hold_writes
from hub.identity import repository as repo
from hub.identity import service
from hub.profiles import service as profiles


async def locked_owners(
    session: AsyncSession, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, int]]:
    """(kind, value) → (profile id, identifier id) of the identifiers already held, read after
    locking the profiles that own them: `service.locked_owners` for a batch. Should an
    identifier still sit on a merged or erased profile, that function itself runs instead, so
    that it repairs the identifier to the live profile. On SQLite the write transaction
    begins before the first look (`hold_writes`)."""
    await hold_writes(session)
    live: dict[str, bool] = {}  # locked owners: True while neither merged nor erased
    for _ in range(3):
        found = await repo.owners_of(session, pairs)
        owners = {pid for pid, _ in found.values()} - set(live)
        if not owners:
            break
        for pid, merged, erased in await profiles.lock_states(session, sorted(owners)):
            live[pid] = merged is None and not erased
    else:
        found = await repo.owners_of(session, pairs)
    if all(live.get(pid, False) for pid, _ in found.values()):
        return found
    rows = await service.locked_owners(session, pairs)
    return {(r.kind, r.value): (r.profile_id, r.id) for r in rows}
