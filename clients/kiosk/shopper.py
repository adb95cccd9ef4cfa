"""What the kiosk asks of the hub, one coroutine per question; no Starlette here.

Every document is built from the hub's own schema (`Capabilities`), so a field the hub does not
have yet is simply not asked for, and the page that needs it says it is not available.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from clients.kiosk.hub_client import Capabilities, HubClient
from clients.kiosk.sessions import Visit

PRODUCT_FIELDS = ("sku", "name", "price", "description", "inStock", "tags")
USER_ERRORS = "userErrors { field code message }"
PICKS_ON_SCREEN = 6


@dataclass
class Outcome:
    """A mutation's result fields and its userErrors, as the hub sent them."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        return " ".join(e.get("message", "") for e in self.errors)


@dataclass
class ProductPage:
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    total: int | None = None


def message_id() -> str:
    # Time-ordered, so the hub's event index grows at its end.
    return f"kiosk-{time.time_ns():x}-{uuid.uuid4().hex[:12]}"


def product_selection(caps: Capabilities) -> str:
    category = " category { slug name }" if caps.has("Product.category") else ""
    return caps.pick("Product", *PRODUCT_FIELDS) + category


def outcome_of(payload: dict[str, Any] | None) -> Outcome:
    payload = payload or {}
    return Outcome(data=payload, errors=list(payload.get("userErrors") or []))


def _variables(
    caps: Capabilities, path: str, values: dict[str, Any]
) -> tuple[str, str, dict[str, Any]]:
    """Variable definitions and arguments for those `values` that field `path` accepts."""
    usable = {k: v for k, v in values.items() if v is not None and f"{path}.{k}" in caps.arg_types}
    defs = ", ".join(f"${k}: {caps.arg_types[f'{path}.{k}']}" for k in usable)
    args = ", ".join(f"{k}: ${k}" for k in usable)
    return (f"({defs})" if defs else ""), (f"({args})" if args else ""), usable


# --- identity -----------------------------------------------------------------------------------


async def identify(
    hub: HubClient, caps: Capabilities, identifiers: list[dict[str, str]]
) -> Outcome:
    input_type = caps.arg_type("Mutation.identify", "input", "IdentifyInput!")
    doc = f"""
    mutation KioskIdentify($input: {input_type}) {{
      identify(input: $input) {{
        profile {{ id {caps.pick("Profile", "firstName", "displayName", "version")} }}
        {caps.pick_in("Mutation.identify", "merged", "created")} {USER_ERRORS}
      }}
    }}"""
    variables = {"input": {"identifiers": identifiers, "touchpoint": "KIOSK"}}
    data = await hub.execute(doc, variables)
    return outcome_of(data.get("identify"))


async def profile_exists(hub: HubClient, caps: Capabilities, identifier: dict[str, str]) -> bool:
    arg = caps.arg_type("Query.profile", "identifier", "IdentifierInput")
    doc = f"query KioskKnown($identifier: {arg}) {{ profile(identifier: $identifier) {{ id }} }}"
    data = await hub.execute(doc, {"identifier": identifier})
    return data.get("profile") is not None


# --- events -------------------------------------------------------------------------------------


async def track(
    hub: HubClient,
    caps: Capabilities,
    visit: Visit,
    event_type: str,
    *,
    sku: str | None = None,
    properties: dict[str, Any] | None = None,
) -> Outcome:
    if not caps.enum_has("EventType", event_type):
        return Outcome()
    event: dict[str, Any] = {
        "messageId": message_id(),
        "identifier": visit.track_identifier,
        "type": event_type,
        "touchpoint": "KIOSK",
    }
    if sku:
        event["productSku"] = sku
    if properties and caps.has("EventInput.properties"):
        event["properties"] = properties
    arg = caps.arg_type("Mutation.track", "events", "[EventInput!]!")
    doc = f"""
    mutation KioskTrack($events: {arg}) {{
      track(events: $events) {{ {caps.pick_in("Mutation.track", "accepted")} {USER_ERRORS} }}
    }}"""
    data = await hub.execute(doc, {"events": [event]})
    return outcome_of(data.get("track"))


# --- catalogue ----------------------------------------------------------------------------------


async def categories(hub: HubClient, caps: Capabilities) -> list[dict[str, Any]]:
    if not caps.has("Query.categories"):
        return []
    fields = caps.pick_in("Query.categories", "slug", "name", "productCount")
    doc = f"query KioskCategories {{ categories {{ {fields} }} }}"
    data = await hub.execute(doc)
    return list(data.get("categories") or [])


async def products(
    hub: HubClient,
    caps: Capabilities,
    *,
    category: str | None = None,
    search: str | None = None,
    first: int = 12,
    after: str | None = None,
) -> ProductPage:
    defs, args, variables = _variables(
        caps,
        "Query.products",
        {"category": category, "search": search, "first": first, "after": after},
    )
    shape = caps.returns("Query.products")
    item = product_selection(caps)
    have = caps.fields.get(shape, set())
    page_info = "pageInfo { hasNextPage endCursor }" if "pageInfo" in have else ""
    total = "totalCount" if "totalCount" in have else ""
    if "edges" in have:
        body = f"edges {{ node {{ {item} }} }} {page_info} {total}"
    elif "nodes" in have:
        body = f"nodes {{ {item} }} {page_info} {total}"
    elif "items" in have:
        cursor = caps.pick(shape, "nextCursor", "endCursor")
        body = f"items {{ {item} }} {cursor} {page_info} {total}"
    else:
        body = item
    doc = f"query KioskProducts{defs} {{ products{args} {{ {body} }} }}"
    data = await hub.execute(doc, variables)
    result = data.get("products")
    if isinstance(result, list):
        # A plain list pages by SKU: `after` is the last SKU of the previous page.
        full = len(result) >= first and "Query.products.after" in caps.arg_types
        return ProductPage(items=result, next_cursor=result[-1]["sku"] if full else None)
    result = result or {}
    items = (
        result.get("items")
        or result.get("nodes")
        or [edge["node"] for edge in result.get("edges") or []]
    )
    info = result.get("pageInfo") or {}
    more = info.get("endCursor") if info.get("hasNextPage") else None
    next_cursor: str | None = result.get("nextCursor") or more
    return ProductPage(items=items, next_cursor=next_cursor, total=result.get("totalCount"))


async def product(hub: HubClient, caps: Capabilities, sku: str) -> dict[str, Any] | None:
    arg = caps.arg_type("Query.product", "sku", "String!")
    fields = product_selection(caps)
    doc = f"query KioskProduct($sku: {arg}) {{ product(sku: $sku) {{ {fields} }} }}"
    data = await hub.execute(doc, {"sku": sku})
    found: dict[str, Any] | None = data.get("product")
    return found


# --- content slots ------------------------------------------------------------------------------

HOME_SLOT = "kiosk-home"


async def content(
    hub: HubClient, caps: Capabilities, slot: str, profile_id: str | None
) -> dict[str, Any] | None:
    """What the hub shows this shopper in `slot`, with why; None when the slot has nothing."""
    if not caps.has("Query.content"):
        return None
    path = "Query.content"
    fields = caps.pick_in(path, "id", "title", "body", "link", "reason")
    segment = " segment { name }" if caps.has(f"{caps.returns(path)}.segment") else ""
    slot_type = caps.arg_type(path, "slot", "String!")
    id_type = caps.arg_type(path, "profileId", "ID")
    doc = f"""
    query KioskContent($slot: {slot_type}, $profileId: {id_type}) {{
      content(slot: $slot, touchpoint: KIOSK, profileId: $profileId) {{ {fields}{segment} }}
    }}"""
    data = await hub.execute(doc, {"slot": slot, "profileId": profile_id})
    found: dict[str, Any] | None = data.get("content")
    return found


# --- the shopper's profile ----------------------------------------------------------------------


def _recommendations(caps: Capabilities, first: int) -> str:
    if not caps.has("Profile.recommendations"):
        return ""
    rec = caps.pick_in("Profile.recommendations", "score", "reason", "recommendationId", "personal")
    return (
        f"recommendations(touchpoint: KIOSK, first: {first}) "
        f"{{ {rec} product {{ {product_selection(caps)} }} }}"
    )


def _preferences(caps: Capabilities) -> str:
    if not caps.has("Profile.preferences"):
        return ""
    fields = caps.pick_in(
        "Profile.preferences",
        "key",
        "value",
        "label",
        "like",
        "weight",
        "source",
        "touchpoint",
        "reason",
    )
    return f"preferences {{ {fields} }}"


async def for_you(
    hub: HubClient, caps: Capabilities, profile_id: str, *, first: int = PICKS_ON_SCREEN
) -> dict[str, Any] | None:
    """The profile as the "for you" panel shows it: name, picks with reasons, explicit likes."""
    doc = f"""
    query KioskForYou($id: ID) {{
      profile(id: $id) {{
        id {caps.pick("Profile", "firstName", "version")}
        {_preferences(caps)}
        {_recommendations(caps, first)}
      }}
    }}"""
    data = await hub.execute(doc, {"id": profile_id})
    found: dict[str, Any] | None = data.get("profile")
    return found


async def set_preferences(
    hub: HubClient,
    caps: Capabilities,
    profile_id: str,
    preferences: list[dict[str, Any]],
    *,
    bearer: str | None = None,
) -> Outcome:
    arg = caps.arg_type("Mutation.setPreferences", "preferences", "[PreferenceInput!]!")
    doc = f"""
    mutation KioskPrefs($profileId: ID!, $preferences: {arg}) {{
      setPreferences(profileId: $profileId, touchpoint: KIOSK, preferences: $preferences) {{
        {USER_ERRORS}
      }}
    }}"""
    variables = {"profileId": profile_id, "preferences": preferences}
    data = await hub.execute(doc, variables, bearer=bearer)
    return outcome_of(data.get("setPreferences"))


async def set_consent(
    hub: HubClient,
    caps: Capabilities,
    profile_id: str,
    purpose: str,
    granted: bool,
    *,
    bearer: str | None = None,
) -> Outcome:
    doc = f"""
    mutation KioskConsent($profileId: ID!, $purpose: ConsentPurpose!, $granted: Boolean!) {{
      setConsent(profileId: $profileId, purpose: $purpose, granted: $granted, touchpoint: KIOSK) {{
        {USER_ERRORS}
      }}
    }}"""
    variables = {"profileId": profile_id, "purpose": purpose, "granted": granted}
    data = await hub.execute(doc, variables, bearer=bearer)
    return outcome_of(data.get("setConsent"))


def removal(caps: Capabilities, key: str, value: str) -> dict[str, Any]:
    """Untick: remove the like when the hub can; otherwise there is nothing honest to send."""
    if caps.has("PreferenceInput.remove"):
        return {"key": key, "value": value, "remove": True}
    return {"key": key, "value": value, "like": False}


THEMES_SHOWN = 12


async def themes(hub: HubClient, caps: Capabilities) -> list[dict[str, Any]]:
    """Themes (motifs, patterns, colours) to offer as likes.

    The hub's own list when it has one; otherwise the tags most common among the best sellers,
    which are the very `theme` values the hub learns from views.
    """
    if caps.has("Query.themes"):
        fields = caps.pick_in("Query.themes", "slug", "value", "name", "label", "productCount")
        data = await hub.execute(f"query KioskThemes {{ themes {{ {fields} }} }}")
        return list(data.get("themes") or [])
    if not caps.has("Product.tags"):
        return []

    async def from_best_sellers() -> list[dict[str, Any]]:
        best = await products(hub, caps, first=100)
        counts = Counter(t for p in best.items for t in p.get("tags") or [])
        return [{"value": tag, "productCount": n} for tag, n in counts.most_common(THEMES_SHOWN)]

    return await hub.cached("themes", 600, from_best_sellers)


async def recommendation_center(
    hub: HubClient, caps: Capabilities, profile_id: str
) -> dict[str, Any] | None:
    """The hub's own Recommendation Center, when it has one; None sends the page to its fallback."""
    if not caps.has("Query.recommendationCenter"):
        return None
    return None


async def panel_for_page(
    hub: HubClient, caps: Capabilities, visit: Visit, *, first: int = PICKS_ON_SCREEN
) -> dict[str, Any] | None:
    """The panel for a full page, with its picks reported back as shown (for attribution).

    Only full pages report: a panel refreshed by a change event does not, or its own report
    (itself a change) would refresh it again.
    """
    panel = await for_you(hub, caps, visit.profile_id or "", first=first)
    picks = [r for r in (panel or {}).get("recommendations") or [] if r.get("recommendationId")]
    if picks and caps.enum_has("EventType", "RECOMMENDATION_SHOWN"):
        events = [
            {
                "messageId": message_id(),
                "identifier": visit.track_identifier,
                "type": "RECOMMENDATION_SHOWN",
                "touchpoint": "KIOSK",
                "productSku": r["product"]["sku"],
                "properties": {"recommendationId": r["recommendationId"]},
            }
            for r in picks
        ]
        arg = caps.arg_type("Mutation.track", "events", "[EventInput!]!")
        doc = (
            f"mutation KioskShown($events: {arg}) {{ track(events: $events) {{ {USER_ERRORS} }} }}"
        )
        await hub.execute(doc, {"events": events})
    return panel
