"""The shopper's own ledger through the hub's self-service codes; no Starlette here.

The ledger is read and changed with the self-service token that the one-time code buys, so the
hub itself decides that it reaches only this shopper's profile.
"""

from __future__ import annotations

from typing import Any

from clients.kiosk.hub_api.enums import EventType
from clients.kiosk.hub_api.input_types import TraitsInput
from clients.kiosk.hub_client import HubClient
from clients.kiosk.shopper import Outcome, identifier, outcome_of, plain_or_none, typed

LEDGER_EVENTS = 20
SHOWN_PICKS = 100
# The shopper's own activity: everything but the picks the kiosk showed (only counted).
OWN_EVENTS: list[EventType] = [t for t in EventType if t is not EventType.RECOMMENDATION_SHOWN]


async def request_code(hub: HubClient, who: dict[str, str]) -> Outcome:
    answer = await hub.request_code(identifier=identifier(who))
    return outcome_of(answer.request_self_service_code)


async def redeem_code(hub: HubClient, who: dict[str, str], code: str) -> Outcome:
    answer = await hub.redeem_code(identifier=identifier(who), code=code)
    return outcome_of(answer.redeem_self_service_code)


async def ledger(hub: HubClient, profile_id: str, token: str) -> dict[str, Any] | None:
    answer = await hub.ledger(
        events=LEDGER_EVENTS, shown=SHOWN_PICKS, id=profile_id, own=OWN_EVENTS, bearer=token
    )
    return plain_or_none(answer.profile)


async def erase(hub: HubClient, profile_id: str, token: str) -> Outcome:
    answer = await hub.erase(profile_id=profile_id, bearer=token)
    return outcome_of(answer.erase_profile)


# --- corrections ----------------------------------------------------------------------------------


async def forget_interest(
    hub: HubClient, profile_id: str, key: str, value: str, token: str
) -> Outcome:
    answer = await hub.forget_interest(profile_id=profile_id, key=key, value=value, bearer=token)
    return outcome_of(answer.forget_interest)


async def remove_identifier(
    hub: HubClient, profile_id: str, which: dict[str, str], token: str
) -> Outcome:
    answer = await hub.remove_identifier(
        profile_id=profile_id, identifier=identifier(which), bearer=token
    )
    return outcome_of(answer.remove_identifier)


async def update_traits(
    hub: HubClient, profile_id: str, traits: dict[str, str], token: str
) -> Outcome:
    answer = await hub.update_traits(
        profile_id=profile_id, traits=typed(TraitsInput, traits), bearer=token
    )
    return outcome_of(answer.update_traits)
