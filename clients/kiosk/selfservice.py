"""The shopper's own ledger through the hub's self-service codes; no Starlette here.

The ledger is read and changed with the self-service token that the one-time code buys, so the
hub itself decides that it reaches only this shopper's profile.
"""

from __future__ import annotations

from typing import Any

from clients.kiosk.hub_client import Capabilities, HubClient
from clients.kiosk.shopper import USER_ERRORS, Outcome, outcome_of

LEDGER_EVENTS = 20
SHOWN_PICKS = 100


def available(caps: Capabilities) -> bool:
    return caps.has("Mutation.requestSelfServiceCode") and caps.has(
        "Mutation.redeemSelfServiceCode"
    )


async def request_code(hub: HubClient, caps: Capabilities, identifier: dict[str, str]) -> Outcome:
    arg = caps.arg_type("Mutation.requestSelfServiceCode", "identifier", "IdentifierInput!")
    extra = caps.pick_in(
        "Mutation.requestSelfServiceCode", "sent", "medium", "maskedRecipient", "expiresAt"
    )
    doc = f"""
    mutation KioskRequestCode($identifier: {arg}) {{
      requestSelfServiceCode(identifier: $identifier) {{ {extra} {USER_ERRORS} }}
    }}"""
    data = await hub.execute(doc, {"identifier": identifier})
    return outcome_of(data.get("requestSelfServiceCode"))


async def redeem_code(
    hub: HubClient, caps: Capabilities, identifier: dict[str, str], code: str
) -> Outcome:
    arg = caps.arg_type("Mutation.redeemSelfServiceCode", "identifier", "IdentifierInput!")
    doc = f"""
    mutation KioskRedeemCode($identifier: {arg}, $code: String!) {{
      redeemSelfServiceCode(identifier: $identifier, code: $code) {{
        token {caps.pick_in("Mutation.redeemSelfServiceCode", "profileId", "expiresAt")}
        {USER_ERRORS}
      }}
    }}"""
    data = await hub.execute(doc, {"identifier": identifier, "code": code})
    return outcome_of(data.get("redeemSelfServiceCode"))


def _events(caps: Capabilities) -> str:
    if not caps.has("Profile.recentEvents"):
        return ""
    path = "Profile.recentEvents"
    fields = caps.pick_in(path, "type", "occurredAt", "touchpoint", "productSku", "summary")
    product = ""
    if caps.has(f"{caps.returns(path)}.product"):
        product = "product { sku name }"
    if not caps.arg_type(path, "types", ""):
        return f"recentEvents(first: {LEDGER_EVENTS}) {{ {fields} {product} }}"
    # The shopper's own activity, and separately the picks the kiosk showed (only counted): a
    # busy visit's picks would otherwise crowd what they did out of the list.
    own = " ".join(
        sorted(v for v in caps.enums.get("EventType", set()) if v != "RECOMMENDATION_SHOWN")
    )
    return (
        f"recentEvents(first: {LEDGER_EVENTS}, types: [{own}]) {{ {fields} {product} }} "
        f"shownPicks: recentEvents(first: {SHOWN_PICKS}, types: [RECOMMENDATION_SHOWN]) {{ type }}"
    )


def _segments(caps: Capabilities) -> str:
    """The groups the hub puts the shopper in right now, each with why."""
    if not caps.has("Profile.segments"):
        return ""
    membership = caps.returns("Profile.segments")
    segment = caps.pick_in(f"{membership}.segment", "name", "description")
    reason = caps.pick(membership, "reason")
    return f"segments {{ segment {{ {segment} }} {reason} }}"


async def ledger(
    hub: HubClient, caps: Capabilities, profile_id: str, token: str
) -> dict[str, Any] | None:
    prefs = caps.pick_in(
        "Profile.preferences",
        "key",
        "value",
        "label",
        "like",
        "weight",
        "source",
        "touchpoint",
        "updatedAt",
        "reason",
    )
    consents = caps.pick_in(
        "Profile.consents", "purpose", "granted", "isDefault", "updatedAt", "touchpoint"
    )
    doc = f"""
    query KioskLedger($id: ID) {{
      profile(id: $id) {{
        id {caps.pick("Profile", "firstName", "lastName", "displayName", "version", "traits")}
        identifiers {{ kind value }}
        preferences {{ {prefs} }}
        consents {{ {consents} }}
        {_segments(caps)}
        {_events(caps)}
      }}
    }}"""
    data = await hub.execute(doc, {"id": profile_id}, bearer=token)
    found: dict[str, Any] | None = data.get("profile")
    return found


async def erase(hub: HubClient, caps: Capabilities, profile_id: str, token: str) -> Outcome:
    doc = f"""
    mutation KioskErase($profileId: ID!) {{
      eraseProfile(profileId: $profileId) {{ {USER_ERRORS} }}
    }}"""
    data = await hub.execute(doc, {"profileId": profile_id}, bearer=token)
    return outcome_of(data.get("eraseProfile"))


# --- corrections: each needs its own hub mutation, so a hub without it simply offers none ---------


def can_forget(caps: Capabilities) -> bool:
    return caps.has("Mutation.forgetInterest")


def can_remove_identifier(caps: Capabilities) -> bool:
    return caps.has("Mutation.removeIdentifier")


def can_edit_name(caps: Capabilities) -> bool:
    return caps.has("Mutation.updateTraits")


async def forget_interest(
    hub: HubClient, caps: Capabilities, profile_id: str, key: str, value: str, token: str
) -> Outcome:
    doc = f"""
    mutation KioskForget($profileId: ID!, $key: String!, $value: String!) {{
      forgetInterest(profileId: $profileId, key: $key, value: $value, touchpoint: KIOSK) {{
        {USER_ERRORS}
      }}
    }}"""
    variables = {"profileId": profile_id, "key": key, "value": value}
    data = await hub.execute(doc, variables, bearer=token)
    return outcome_of(data.get("forgetInterest"))


async def remove_identifier(
    hub: HubClient, caps: Capabilities, profile_id: str, identifier: dict[str, str], token: str
) -> Outcome:
    arg = caps.arg_type("Mutation.removeIdentifier", "identifier", "IdentifierInput!")
    doc = f"""
    mutation KioskRemoveIdentifier($profileId: ID!, $identifier: {arg}) {{
      removeIdentifier(profileId: $profileId, identifier: $identifier, touchpoint: KIOSK) {{
        {USER_ERRORS}
      }}
    }}"""
    variables = {"profileId": profile_id, "identifier": identifier}
    data = await hub.execute(doc, variables, bearer=token)
    return outcome_of(data.get("removeIdentifier"))


async def update_traits(
    hub: HubClient, caps: Capabilities, profile_id: str, traits: dict[str, str], token: str
) -> Outcome:
    arg = caps.arg_type("Mutation.updateTraits", "traits", "TraitsInput!")
    fields = caps.pick("Profile", "firstName", "lastName")
    doc = f"""
    mutation KioskUpdateTraits($profileId: ID!, $traits: {arg}) {{
      updateTraits(profileId: $profileId, traits: $traits, touchpoint: KIOSK) {{
        profile {{ id {fields} }} {USER_ERRORS}
      }}
    }}"""
    variables = {"profileId": profile_id, "traits": traits}
    data = await hub.execute(doc, variables, bearer=token)
    return outcome_of(data.get("updateTraits"))
