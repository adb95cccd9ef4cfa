"""What the shared request context (hub/api/context.py) asks of the domains, answered here above
them so that the API kit imports no domain: whether a caller reaches a profile, and the record
of an agent's reads."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.actors import Principal
from hub.auth import service as auth
from hub.profiles import service as profiles


class DomainAccess:
    async def reaches(
        self, session: AsyncSession, principal: Principal, profile_id: str
    ) -> bool | None:
        live = await profiles.get_live(session, profile_id)
        if live is None:
            return None
        return principal.may_see(live.id) and await auth.key_reaches(session, principal, live.id)

    def record_reads(
        self,
        session: AsyncSession,
        principal: Principal,
        profile_ids: Sequence[str],
        detail: str,
        action: str,
    ) -> None:
        audit.agent_read(session, principal, profile_ids, detail, action)
