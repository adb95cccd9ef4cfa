"""Events' part of whole-profile operations (hub/lifecycle.py): a merge moves every event, a
split moves back the events sent with the identifiers that go back (later ones too) and then
learns both profiles' interests again from their events; erasure deletes them. An identifier
taken off a profile (identity.corrections) leaves its events on the profile, unlinked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.enums import ConsentPurpose, EventType
from hub.events import repository as repo
from hub.events.models import Event
from hub.lifecycle import Journal, Lifecycle, hand_back
from hub.preferences import learned as preferences
from hub.privacy import consent
from hub.weights import Weights


def register(hooks: Lifecycle) -> None:
    hooks.on_merge("events", 20, _merge, tables=["events"])
    hooks.on_split("events", 20, _split, tables=["events"])
    hooks.on_split("events", 90, _relearn)
    hooks.on_erase("events", 65, _erase, tables=["events"])
    hooks.on_export("events", 70, _export, tables=["events"])
    hooks.on_unlink("events", 10, _unlink, tables=["events"])


async def _unlink(session: AsyncSession, identifier_ids: Sequence[int]) -> Journal:
    """Past events sent with these identifiers stay on the profile, no longer linked to them."""
    await session.execute(
        update(Event).where(Event.identifier_id.in_(identifier_ids)).values(identifier_id=None)
    )
    return {}


async def _merge(
    session: AsyncSession, survivor_id: str, absorbed_id: str, weights: object
) -> Journal:
    return {"event_count": await repo.move_all(session, absorbed_id, survivor_id)}


async def _split(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    ids = moved["identifier_ids"]
    return {"events": await hand_back(session, Event.identifier_id, ids, survivor_id, restored_id)}


async def _relearn(
    session: AsyncSession,
    survivor_id: str,
    restored_id: str,
    moved: Mapping[str, Any],
    weights: object,
) -> Journal:
    """Both profiles' learned interests again, from the events each holds now."""
    if not isinstance(weights, Weights):
        raise TypeError("a split needs the learning weights")
    await relearn(session, survivor_id, weights)
    await relearn(session, restored_id, weights)
    return {}


async def relearn(session: AsyncSession, profile_id: str, weights: Weights) -> None:
    allowed = await consent.allowed(session, [profile_id], ConsentPurpose.PERSONALIZATION)
    rows = (
        list(
            await session.scalars(
                select(Event).where(Event.profile_id == profile_id, Event.product_sku.is_not(None))
            )
        )
        if allowed[profile_id]
        else []
    )
    products = await catalog.products(session, {r.product_sku for r in rows if r.product_sku})
    observations = [
        preferences.observe(
            profile_id,
            EventType(r.type),
            products[r.product_sku],
            r.quantity,
            r.occurred_at,
            r.touchpoint,
        )
        for r in rows
        if r.product_sku in products
    ]
    await preferences.rebuild(session, profile_id, observations, weights)


async def _erase(session: AsyncSession, profile_id: str, family: Sequence[str]) -> Journal:
    await session.execute(delete(Event).where(Event.profile_id.in_(family)))
    return {}


async def _export(session: AsyncSession, profile_id: str, masked: bool) -> Journal:
    rows = await session.scalars(
        select(Event).where(Event.profile_id == profile_id).order_by(Event.occurred_at, Event.id)
    )
    return {
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
            for e in rows
        ]
    }
