"""The message outbox: messages are rows written in the transaction that causes them; a sender
delivers them afterwards. Marketing messages need the matching consent; service messages
(a one-time code, a receipt) do not."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import Database, utcnow
from hub.enums import ConsentPurpose
from hub.errors import DomainError, ErrorCode
from hub.privacy import consent
from hub.privacy.models import OutboxMessage

log = logging.getLogger("hub.outbox")
SERVICE = "SERVICE"
_MEDIUM_PURPOSE = {"EMAIL": ConsentPurpose.MARKETING_EMAIL, "SMS": ConsentPurpose.MARKETING_SMS}


class Sender(Protocol):
    async def send(self, message: OutboxMessage) -> None: ...


class LogSender:
    """The development sender: writes the message to the hub log."""

    async def send(self, message: OutboxMessage) -> None:
        log.warning(
            "outbox %s to %s: %s | %s",
            message.medium,
            message.recipient,
            message.subject,
            message.body,
        )


async def enqueue(
    session: AsyncSession,
    *,
    profile_id: str | None,
    medium: str,
    recipient: str,
    purpose: str,
    subject: str,
    body: str,
) -> OutboxMessage:
    if purpose != SERVICE:
        wanted = _MEDIUM_PURPOSE.get(medium)
        if (
            profile_id is None
            or wanted is None
            or not (await consent.allowed(session, [profile_id], wanted))[profile_id]
        ):
            raise DomainError.one(
                ("purpose",),
                ErrorCode.FORBIDDEN,
                "The customer has not agreed to marketing by this medium.",
            )
    message = OutboxMessage(
        profile_id=profile_id,
        medium=medium,
        recipient=recipient,
        purpose=purpose,
        subject=subject[:200],
        body=body[:2000],
        status="PENDING",
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    return message


async def recent_for(session: AsyncSession, profile_id: str, limit: int) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.profile_id == profile_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(rows)


async def deliver_pending(db: Database, sender: Sender, batch: int = 100) -> int:
    async with db.sessions() as session:
        pending = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == "PENDING")
                .order_by(OutboxMessage.id)
                .limit(batch)
            )
        )
        for message in pending:
            try:
                await sender.send(message)
                message.status, message.sent_at = "SENT", utcnow()
            except Exception:  # a failed delivery stays pending and is tried again
                log.exception("outbox delivery failed for message %s", message.id)
        await session.commit()
    return len(pending)


async def run_sender(db: Database, sender: Sender, interval: float = 0.5) -> None:
    """Deliver pending messages until cancelled."""
    while True:
        with contextlib.suppress(Exception):
            await deliver_pending(db, sender)
        await asyncio.sleep(interval)
