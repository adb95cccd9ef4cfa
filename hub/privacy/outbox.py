"""The message outbox: messages are rows written in the transaction that causes them; a sender
delivers them afterwards. Marketing messages need the matching consent; service messages
(a one-time code, a receipt) do not."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import Database, utcnow
from hub.enums import ConsentPurpose
from hub.errors import DomainError, ErrorCode
from hub.leases import Lease
from hub.privacy import consent
from hub.privacy.models import OutboxMessage
from hub.privacy.senders import (
    MEDIA,
    DeliveryError,
    LogSender,
    Routed,
    SmtpSender,
    Undeliverable,
    WebhookSender,
)
from hub.settings import Settings

log = logging.getLogger("hub.outbox")
SERVICE = "SERVICE"
_MEDIUM_PURPOSE = {"EMAIL": ConsentPurpose.MARKETING_EMAIL, "SMS": ConsentPurpose.MARKETING_SMS}
_BATCH = 20
_MAX_PAUSE = 60.0


class Sender(Protocol):
    media: frozenset[str]  # the media it delivers; messages by others wait for another sender

    async def send(self, message: OutboxMessage) -> None: ...

    async def aclose(self) -> None: ...


def sender_from(settings: Settings) -> Sender | None:
    """The sender the settings configure: SMTP for email and/or a webhook; without either,
    the log in development and none in production (messages stay PENDING, said once)."""
    routes: dict[str, LogSender | WebhookSender | SmtpSender] = {}
    if settings.outbox_webhook_url:
        secret = settings.outbox_webhook_secret
        webhook = WebhookSender(
            settings.outbox_webhook_url,
            secret.get_secret_value() if secret else None,
            settings.outbox_timeout_seconds,
        )
        routes.update(dict.fromkeys(MEDIA, webhook))
    if settings.smtp_host:
        routes["EMAIL"] = SmtpSender(settings)
    if routes:
        for medium in sorted(MEDIA - routes.keys()):
            log.warning("no outbox sender for %s: such messages stay queued", medium)
        return Routed(routes)
    if settings.env == "dev":
        return LogSender()
    log.warning(
        "no outbox sender is configured (RAPPORT_SMTP_HOST or RAPPORT_OUTBOX_WEBHOOK_URL): "
        "messages stay queued"
    )
    return None


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


async def deliver_pending(
    db: Database, sender: Sender, batch: int = _BATCH, lease: Lease | None = None
) -> bool:
    """Deliver the oldest pending messages of the sender's media; False when one failed for
    now (the batch stops there: the service is likely down). Rows are locked, skipping those
    another replica is sending, until the batch commits: an erasure meanwhile waits for it.

    SQLite locks no rows: there the processes sharing the store take turns by `lease`, held
    before each message, and an erasure does not wait. So each message is looked at again just
    before it is sent (one erased meanwhile is not sent), and what became of it is written and
    committed at once (an erasure after that loses no other message's outcome: before, the
    batch's commit failed on the erased row, and every message in it was sent again). The
    outcomes are written by statement, for a row that may be gone by then."""
    one_by_one = db.dialect == "sqlite"
    async with db.sessions() as session:
        pending = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == "PENDING", OutboxMessage.medium.in_(sender.media))
                .order_by(OutboxMessage.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        session.expunge_all()  # plain copies for the senders: nothing of them is flushed
        healthy = True
        for message in pending:
            if lease is not None and not await lease.held(db):
                break  # another process delivers now (this one stalled past its lease)
            if one_by_one and not await _still_pending(session, message.id):
                continue  # erased meanwhile (or delivered by a process that held the lease)
            healthy, outcome = await _deliver(sender, message)
            if outcome is not None:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message.id, OutboxMessage.status == "PENDING")
                    .values(status=outcome[0], sent_at=outcome[1])
                )
                if one_by_one:
                    await session.commit()
            if not healthy:
                break
        await session.commit()
    return healthy


async def _still_pending(session: AsyncSession, message_id: int) -> bool:
    status = await session.scalar(
        select(OutboxMessage.status).where(OutboxMessage.id == message_id)
    )
    return status == "PENDING"


async def _deliver(
    sender: Sender, message: OutboxMessage
) -> tuple[bool, tuple[str, datetime | None] | None]:
    """(whether the service answered, the message's new status and time sent, if any)."""
    try:
        await sender.send(message)
    except Undeliverable as error:
        log.warning("outbox message %s failed for good: %s", message.id, error)
        return True, ("FAILED", None)
    except DeliveryError as error:
        log.warning("outbox message %s not delivered yet: %s", message.id, error)
        return False, None
    except Exception as error:
        # A sender's bug. No traceback: its last line is the error's text, which may quote
        # the message or its recipient.
        log.error(
            "outbox message %s not delivered: %s in the sender", message.id, type(error).__name__
        )
        return False, None
    return True, ("SENT", utcnow())


async def run_sender(
    db: Database, sender: Sender, interval: float = 0.5, send_seconds: float = 10.0
) -> None:
    """Deliver pending messages until cancelled, pausing longer (up to a minute) while
    deliveries keep failing. On SQLite one process of those sharing the store delivers at a
    time (a lease that outlasts a few sends of up to `send_seconds` each)."""
    pause = interval
    lease = Lease("outbox", max(30.0, 4 * send_seconds)) if db.dialect == "sqlite" else None
    try:
        while True:
            try:
                if lease is not None and not await lease.held(db):
                    await asyncio.sleep(interval)
                    continue
                healthy = await deliver_pending(db, sender, lease=lease)
            except Exception:  # the database, or a sender's bug: never the message's content
                log.exception("outbox delivery round failed")
                healthy = False
            pause = interval if healthy else min(pause * 2, _MAX_PAUSE)
            await asyncio.sleep(pause)
    finally:
        await sender.aclose()
