"""Self-service tokens (`rss_…`) looked up for the key gate. A leaf: authentication reads the
token without importing the code-and-redeem flow (selfservice.py) or identity."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.privacy.models import SelfServiceToken

TOKEN_PREFIX = "rss_"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def shared_screen(token: str) -> bool:
    """A token redeemed at a kiosk (`rss_m…`) is shown on a shared screen."""
    return token[len(TOKEN_PREFIX)] == "m"


async def token_profile(session: AsyncSession, token: str) -> tuple[str, datetime] | None:
    row = await session.scalar(
        select(SelfServiceToken).where(
            SelfServiceToken.token_hash == digest(token), SelfServiceToken.expires_at > utcnow()
        )
    )
    return (row.profile_id, row.expires_at) if row else None
