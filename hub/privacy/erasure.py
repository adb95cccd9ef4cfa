"""Access (export) and erasure with suppression."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.models import KeyProfile
from hub.db import utcnow
from hub.enums import IdentifierKind
from hub.events.models import Event
from hub.identity.models import DuplicateCandidate, Identifier, IdentityConflict, Merge
from hub.identity.normalize import mask, mask_json
from hub.preferences.models import Affinity, ForgottenInterest, Preference
from hub.privacy.models import (
    AuditEntry,
    Consent,
    ConsentChange,
    OutboxMessage,
    SelfServiceCode,
    SelfServiceToken,
    Suppression,
)
from hub.profiles.models import Note, Profile
from hub.settings import get_settings

_PEPPER = b"rapport-suppression-v1:"
SUPPRESSED_KINDS = frozenset({"EMAIL", "PHONE", "LOYALTY_ID", "CRM_ID"})


def identifier_hash(kind: str, value: str) -> str:
    # Keyed (HMAC): without RAPPORT_SECRET_KEY a 5-digit CRM id or a mobile number could be
    # found again by trying them all.
    key = _PEPPER + get_settings().secret_key.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


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


async def export(session: AsyncSession, profile: Profile, masked: bool = False) -> dict[str, Any]:
    """Everything held about one customer, as one JSON-ready document (contact details masked
    when it is shown on a shared screen)."""
    document = await _document(session, profile)
    if masked:
        for ident in document["identifiers"]:
            ident["value"] = mask(IdentifierKind(ident["kind"]), ident["value"])
        masked_document: dict[str, Any] = mask_json(document)  # type: ignore[assignment]
        return masked_document
    return document


async def _document(session: AsyncSession, profile: Profile) -> dict[str, Any]:
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
        "giftRegistries": [
            {
                "code": g.code,
                "title": g.title,
                "occasion": g.occasion,
                "eventDate": g.event_date.isoformat() if g.event_date else None,
                "createdAt": g.created_at.isoformat(),
            }
            for g in await _registries(session, pid)
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


async def _registries(session: AsyncSession, profile_id: str) -> list[Any]:
    from hub.registry import service as registry  # see erase(): registries build on identity

    return list(await registry.owned_by(session, [profile_id]))


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
    await session.execute(delete(KeyProfile).where(KeyProfile.profile_id.in_(family)))
    # Imported here: registries and handoffs build on identity, which builds on this module.
    from hub.handoff import service as handoff
    from hub.registry import service as registry

    await registry.forget(session, family)
    await handoff.forget(session, family)
    await session.execute(
        update(AuditEntry).where(AuditEntry.profile_id.in_(family)).values(detail="(erased)")
    )
    for model in (
        ForgottenInterest,
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
        delete(DuplicateCandidate).where(
            DuplicateCandidate.profile_a.in_(family) | DuplicateCandidate.profile_b.in_(family)
        )
    )
    for conflict in list(await session.scalars(select(IdentityConflict))):
        if set(conflict.profile_ids) & set(family):
            await session.delete(conflict)
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
