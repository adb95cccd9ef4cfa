"""Privacy's part of whole-profile operations (hub/lifecycle.py): consents follow a merge (the
newest answer per purpose; the whole history) and come back on a split; erasure deletes
consents, messages and self-service codes and tokens (the audit trail, hub/audit.py, blanks
its own details)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.lifecycle import Journal, Lifecycle
from hub.privacy import consent
from hub.privacy.models import (
    Consent,
    ConsentChange,
    OutboxMessage,
    SelfServiceCode,
    SelfServiceToken,
)

_ERASED = (Consent, ConsentChange, OutboxMessage, SelfServiceCode, SelfServiceToken)


def register(hooks: Lifecycle) -> None:
    hooks.on_merge("privacy", 60, _merge, tables=["consents", "consent_changes"])
    hooks.on_split("privacy", 60, _split, tables=["consents", "consent_changes"])
    hooks.on_erase("privacy", 75, _erase, tables=[m.__tablename__ for m in _ERASED])
    hooks.on_export("privacy", 40, _export, tables=["consents", "consent_changes"])
    for table, reason in (
        ("outbox_messages", "a message was sent for the profile it names"),
        ("self_service_codes", "a code is for the profile it was sent for; it expires"),
        ("self_service_tokens", "a token reaches the profile it was issued for; it expires"),
    ):
        hooks.keep("privacy", table, "merge", reason)


async def _merge(
    session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
) -> Journal:
    return await consent.merge_into(session, absorbed_id, survivor_id)


async def _split(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    change_ids = [int(i) for i in moved["consent_change_ids"]]
    await consent.split_back(session, survivor_id, restored_id, change_ids)
    return {}


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    for model in _ERASED:
        await session.execute(delete(model).where(model.profile_id.in_(family)))
    return {}


async def _export(session: AsyncSession, profile_id: str, masked: bool) -> Journal:
    current = await session.scalars(
        select(Consent).where(Consent.profile_id == profile_id).order_by(Consent.purpose)
    )
    consents = [
        {
            "purpose": c.purpose,
            "granted": c.granted,
            "touchpoint": c.touchpoint,
            "updatedAt": c.updated_at.isoformat(),
            "expiresAt": c.expires_at.isoformat() if c.expires_at else None,
        }
        for c in current
    ]
    changes = await session.scalars(
        select(ConsentChange)
        .where(ConsentChange.profile_id == profile_id)
        .order_by(ConsentChange.changed_at, ConsentChange.id)
    )
    history = [
        {
            "purpose": c.purpose,
            "granted": c.granted,
            "touchpoint": c.touchpoint,
            "actor": c.actor,
            "changedAt": c.changed_at.isoformat(),
        }
        for c in changes
    ]
    return {"consents": consents, "consentHistory": history}
