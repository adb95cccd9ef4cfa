"""Access (export) and erasure with suppression."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.events.models import Event
from hub.identity.models import Identifier, Merge
from hub.preferences.models import Affinity, Preference
from hub.privacy.models import (
    Consent,
    ConsentChange,
    OutboxMessage,
    SelfServiceCode,
    SelfServiceToken,
    Suppression,
)
from hub.profiles.models import Note, Profile

# A fixed, public pepper: the hash only has to stop a casual reader, while letting
# the same identifier match again after erasure. Documented in docs/privacy.md.
_PEPPER = b"rapport-suppression-v1:"
SUPPRESSED_KINDS = frozenset({"EMAIL", "PHONE", "LOYALTY_ID", "CRM_ID"})


def identifier_hash(kind: str, value: str) -> str:
    return hashlib.sha256(_PEPPER + kind.encode() + b":" + value.encode()).hexdigest()


async def suppressed(
    session: AsyncSession, pairs: Sequence[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these normalised identifiers belong to an erased customer."""
    hashed = {identifier_hash(k, v): (k, v) for k, v in pairs if k in SUPPRESSED_KINDS}
    if not hashed:
        return set()
    rows = await session.scalars(select(Suppression).where(Suppression.value_hash.in_(hashed)))
    hits = set()
    for row in rows:
        row.dropped = (row.dropped or 0) + 1
        hits.add(hashed[row.value_hash])
    return hits


async def export(session: AsyncSession, profile: Profile) -> dict[str, Any]:
    """Everything held about one customer, as one JSON-ready document."""
    pid = profile.id

    async def rows(model: Any, *order: Any) -> list[Any]:
        return list(
            await session.scalars(select(model).where(model.profile_id == pid).order_by(*order))
        )

    merged_ids = list(
        await session.scalars(select(Profile.id).where(Profile.merged_into_id == pid))
    )
    return {
        "profile": {
            "id": pid,
            "firstName": profile.first_name,
            "lastName": profile.last_name,
            "traits": profile.traits or {},
            "createdAt": profile.created_at.isoformat(),
            "updatedAt": profile.updated_at.isoformat(),
            "version": profile.version,
            "mergedProfileIds": merged_ids,
        },
        "identifiers": [
            {
                "kind": i.kind,
                "value": i.value,
                "touchpoint": i.touchpoint,
                "createdAt": i.created_at.isoformat(),
            }
            for i in await rows(Identifier, Identifier.id)
        ],
        "preferences": [
            {
                "key": p.key,
                "value": p.value,
                "like": p.like,
                "touchpoint": p.touchpoint,
                "origin": p.origin,
                "updatedAt": p.updated_at.isoformat(),
            }
            for p in await rows(Preference, Preference.id)
        ],
        "learnedInterests": [
            {
                "key": a.key,
                "value": a.value,
                "score": round(a.score, 4),
                "asOf": a.as_of.isoformat(),
                "views": a.views,
                "carts": a.carts,
                "purchases": a.purchases,
                "returns": a.returns,
            }
            for a in await rows(Affinity, Affinity.id)
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "touchpoint": c.touchpoint,
                "updatedAt": c.updated_at.isoformat(),
                "expiresAt": c.expires_at.isoformat() if c.expires_at else None,
            }
            for c in await rows(Consent, Consent.purpose)
        ],
        "consentHistory": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "touchpoint": c.touchpoint,
                "actor": c.actor,
                "changedAt": c.changed_at.isoformat(),
            }
            for c in await rows(ConsentChange, ConsentChange.changed_at, ConsentChange.id)
        ],
        "notes": [
            {"text": n.text, "author": n.author, "createdAt": n.created_at.isoformat()}
            for n in await rows(Note, Note.created_at)
        ],
        "events": [
            {
                "messageId": e.message_id,
                "type": e.type,
                "touchpoint": e.touchpoint,
                "occurredAt": e.occurred_at.isoformat(),
                "productSku": e.product_sku,
                "quantity": e.quantity,
                "price": float(e.price) if e.price is not None else None,
                "properties": e.properties or {},
            }
            for e in await rows(Event, Event.occurred_at, Event.id)
        ],
        "exportedAt": utcnow().isoformat(),
    }


async def erase(session: AsyncSession, profile: Profile) -> int:
    """Delete everything personal in the caller's transaction; suppress the identifiers."""
    pid = profile.id
    family = [pid, *await session.scalars(select(Profile.id).where(Profile.merged_into_id == pid))]
    identifiers = list(
        await session.scalars(select(Identifier).where(Identifier.profile_id == pid))
    )
    for ident in identifiers:
        if ident.kind in SUPPRESSED_KINDS:
            digest = identifier_hash(ident.kind, ident.value)
            exists = await session.scalar(
                select(Suppression.id).where(
                    Suppression.kind == ident.kind, Suppression.value_hash == digest
                )
            )
            if exists is None:
                session.add(
                    Suppression(kind=ident.kind, value_hash=digest, created_at=utcnow(), dropped=0)
                )
    for model in (
        Event,
        Note,
        Preference,
        Affinity,
        Consent,
        ConsentChange,
        OutboxMessage,
        SelfServiceCode,
        SelfServiceToken,
    ):
        await session.execute(delete(model).where(model.profile_id.in_(family)))
    await session.execute(delete(Identifier).where(Identifier.profile_id.in_(family)))
    await session.execute(
        delete(Merge).where(Merge.survivor_id.in_(family) | Merge.merged_id.in_(family))
    )
    await session.execute(
        update(Profile)
        .where(Profile.id.in_(family))
        .values(
            first_name=None,
            last_name=None,
            search_name=None,
            traits={},
            is_known=False,
            erased_at=utcnow(),
        )
    )
    return len(identifiers)
