"""What the kiosk asks of the hub about gift registries, handoffs and lists sent to a shopper;
no Starlette here."""

from __future__ import annotations

import asyncio
from typing import Any

from clients.kiosk.hub_api.enums import ListMedium
from clients.kiosk.hub_api.input_types import ListItemInput
from clients.kiosk.hub_client import HubClient
from clients.kiosk.sessions import Visit
from clients.kiosk.shopper import (
    Outcome,
    ProfileGone,
    identifier,
    message_id,
    of_profile,
    outcome_of,
    plain,
    plain_or_none,
    product,
)


async def registry(hub: HubClient, code: str) -> dict[str, Any] | None:
    return plain_or_none((await hub.registry(code=code)).gift_registry)


async def find_registries(hub: HubClient, text: str) -> list[dict[str, Any]]:
    return [plain(r) for r in (await hub.registries(search=text)).gift_registries]


async def buy_from_registry(hub: HubClient, visit: Visit, code: str, sku: str) -> Outcome:
    answer = await hub.buy_gift(
        code=code, sku=sku, buyer=identifier(visit.track_identifier), mid=message_id()
    )
    return outcome_of(answer.buy_from_gift_registry)


async def claim_handoff(hub: HubClient, visit: Visit, code: str) -> Outcome:
    visitor = identifier({"kind": "ANONYMOUS_ID", "value": visit.anonymous_id})
    answer = await hub.claim_handoff(code=code[:40], visitor=visitor)
    return outcome_of(answer.claim_handoff)


async def contacts(hub: HubClient, profile_id: str) -> list[dict[str, Any]]:
    """The shopper's email and phone as the hub shows them to a kiosk (masked);
    `ProfileGone` when the hub no longer has the profile."""
    found = (await hub.contacts(id=profile_id)).profile
    if found is None:
        raise ProfileGone()
    idents = [plain(i) for i in found.identifiers]
    return [i for i in idents if i.get("kind") in ("EMAIL", "PHONE")]


async def send_list(hub: HubClient, profile_id: str, items: dict[str, int], medium: str) -> Outcome:
    answer = await hub.send_list(
        id=profile_id,
        items=[ListItemInput(sku=sku, quantity=qty) for sku, qty in items.items()],
        medium=ListMedium(medium),
    )
    return of_profile(outcome_of(answer.send_list))


async def products(hub: HubClient, skus: list[str]) -> dict[str, Any]:
    """Several products at once, by sku (asked together)."""
    wanted = list(dict.fromkeys(skus))
    found = await asyncio.gather(*(product(hub, sku) for sku in wanted))
    return {sku: item for sku, item in zip(wanted, found, strict=True) if item}
