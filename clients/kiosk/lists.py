"""What the kiosk asks of the hub about gift registries, handoffs and lists sent to a shopper;
no Starlette here. Each question returns None when the hub does not offer it yet."""

from __future__ import annotations

from typing import Any

from clients.kiosk.hub_client import Capabilities, HubClient
from clients.kiosk.sessions import Visit
from clients.kiosk.shopper import USER_ERRORS, Outcome, message_id, outcome_of, product_selection

REGISTRY_FIELDS = "code title occasion eventDate ownerFirstName remaining"


def has_registry(caps: Capabilities) -> bool:
    return caps.has("Query.giftRegistry") and caps.has("Mutation.buyFromGiftRegistry")


def has_handoff(caps: Capabilities) -> bool:
    return caps.has("Mutation.claimHandoff")


def has_send_list(caps: Capabilities) -> bool:
    return caps.has("Mutation.sendList")


def _items(caps: Capabilities) -> str:
    return f"items {{ sku wanted bought remaining product {{ {product_selection(caps)} }} }}"


async def registry(hub: HubClient, caps: Capabilities, code: str) -> dict[str, Any] | None:
    doc = f"""query KioskRegistry($code: String!) {{
      giftRegistry(code: $code) {{ {REGISTRY_FIELDS} {_items(caps)} }} }}"""
    data = await hub.execute(doc, {"code": code})
    found: dict[str, Any] | None = data.get("giftRegistry")
    return found


async def find_registries(hub: HubClient, caps: Capabilities, text: str) -> list[dict[str, Any]]:
    if not caps.has("Query.giftRegistries"):
        return []
    doc = """query KioskRegistries($s: String!) {
      giftRegistries(search: $s, first: 10) { code title occasion eventDate ownerFirstName } }"""
    data = await hub.execute(doc, {"s": text})
    return list(data.get("giftRegistries") or [])


async def buy_from_registry(
    hub: HubClient, caps: Capabilities, visit: Visit, code: str, sku: str
) -> Outcome:
    doc = f"""
    mutation KioskRegistryBuy($code: String!, $sku: String!, $buyer: IdentifierInput,
                              $mid: String) {{
      buyFromGiftRegistry(code: $code, sku: $sku, quantity: 1, touchpoint: KIOSK, buyer: $buyer,
                          messageId: $mid) {{
        duplicate item {{ sku remaining }} {USER_ERRORS}
      }}
    }}"""
    variables = {"code": code, "sku": sku, "buyer": visit.track_identifier, "mid": message_id()}
    data = await hub.execute(doc, variables)
    return outcome_of(data.get("buyFromGiftRegistry"))


async def claim_handoff(hub: HubClient, caps: Capabilities, visit: Visit, code: str) -> Outcome:
    doc = f"""
    mutation KioskClaim($code: String!, $visitor: IdentifierInput) {{
      claimHandoff(code: $code, touchpoint: KIOSK, visitor: $visitor) {{
        kind profileId firstName items {{ sku quantity }} {USER_ERRORS}
      }}
    }}"""
    visitor = {"kind": "ANONYMOUS_ID", "value": visit.anonymous_id}
    data = await hub.execute(doc, {"code": code[:40], "visitor": visitor})
    return outcome_of(data.get("claimHandoff"))


async def contacts(hub: HubClient, caps: Capabilities, profile_id: str) -> list[dict[str, Any]]:
    """The shopper's email and phone as the hub shows them to a kiosk (masked)."""
    doc = "query KioskContacts($id: ID) { profile(id: $id) { identifiers { kind value } } }"
    data = await hub.execute(doc, {"id": profile_id})
    idents = (data.get("profile") or {}).get("identifiers") or []
    return [i for i in idents if i.get("kind") in ("EMAIL", "PHONE")]


async def send_list(
    hub: HubClient, caps: Capabilities, profile_id: str, items: dict[str, int], medium: str
) -> Outcome:
    doc = f"""
    mutation KioskSendList($id: ID!, $items: [ListItemInput!]!, $medium: ListMedium!) {{
      sendList(profileId: $id, items: $items, medium: $medium, touchpoint: KIOSK) {{
        sent maskedRecipient {USER_ERRORS}
      }}
    }}"""
    variables = {
        "id": profile_id,
        "items": [{"sku": sku, "quantity": qty} for sku, qty in items.items()],
        "medium": medium,
    }
    data = await hub.execute(doc, variables)
    return outcome_of(data.get("sendList"))


async def products(hub: HubClient, caps: Capabilities, skus: list[str]) -> dict[str, Any]:
    """Several products at once, by sku (one query with aliases)."""
    if not skus:
        return {}
    arg = caps.arg_type("Query.product", "sku", "String!")
    defs = ", ".join(f"$s{i}: {arg}" for i in range(len(skus)))
    body = " ".join(
        f"p{i}: product(sku: $s{i}) {{ {product_selection(caps)} }}" for i in range(len(skus))
    )
    data = await hub.execute(
        f"query KioskItems({defs}) {{ {body} }}", {f"s{i}": s for i, s in enumerate(skus)}
    )
    return {sku: data.get(f"p{i}") for i, sku in enumerate(skus) if data.get(f"p{i}")}
