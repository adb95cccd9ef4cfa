"""What the kiosk asks of the hub, one coroutine per question; no Starlette here.

Every question is an operation of operations/*.graphql, sent through the typed client generated
from them (`HubClient`). The pages and templates read answers as the hub sends them (camelCase
keys): `plain` turns a typed answer back into that shape.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from clients.kiosk.hub_api.enums import ConsentPurpose, EventType
from clients.kiosk.hub_api.input_types import (
    EventInput,
    IdentifierInput,
    IdentifyInput,
    PreferenceInput,
)
from clients.kiosk.hub_client import HubClient, HubError, HubFailure
from clients.kiosk.sessions import Visit

PICKS_ON_SCREEN = 6
M = TypeVar("M", bound=BaseModel)


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


def plain(model: BaseModel) -> dict[str, Any]:
    """A typed answer as the hub sent it: JSON values under the schema's (camelCase) names."""
    return model.model_dump(mode="json", by_alias=True)


def plain_or_none(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else plain(model)


def outcome_of(payload: BaseModel | None) -> Outcome:
    data = plain_or_none(payload) or {}
    return Outcome(data=data, errors=list(data.get("userErrors") or []))


class ProfileGone(HubError):
    """The hub has no profile for the visit's id any more: the customer was erased elsewhere
    (the web, the phone). A merged-away id is not gone: the hub follows it to the survivor, and
    the visit follows too (`follow`)."""

    def __init__(self) -> None:
        super().__init__("the visit's profile is no more (erased elsewhere)", 404)


def of_profile(outcome: Outcome) -> Outcome:
    """A change to the visit's profile, unless the hub says there is no such profile."""
    if any(
        e.get("code") == "NOT_FOUND" and (e.get("field") or [""])[0] in ("profileId", "id")
        for e in outcome.errors
    ):
        raise ProfileGone()
    return outcome


def typed(model: type[M], value: Any) -> M:
    """An input for the hub from what a page gathered; what the schema refuses, the hub would."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise HubError(f"not a valid {model.__name__}: {exc.error_count()} problem(s)") from exc


def identifier(value: dict[str, str]) -> IdentifierInput:
    return typed(IdentifierInput, value)


# --- identity -----------------------------------------------------------------------------------


async def identify(hub: HubClient, identifiers: list[dict[str, str]]) -> Outcome:
    given = {"identifiers": identifiers, "touchpoint": "KIOSK"}
    answer = await hub.identify(input=typed(IdentifyInput, given))
    return outcome_of(answer.identify)


def follow(visit: Visit, profile: dict[str, Any]) -> None:
    """The visit goes on as the profile the hub answered for its id (after a merge elsewhere,
    the survivor), so the next page asks for it by its own id and greets it by its name."""
    visit.follow(str(profile.get("id") or visit.profile_id or ""), profile.get("firstName"))


async def visitor(hub: HubClient, visit: Visit) -> dict[str, Any]:
    """The visit's profile as the hub holds it now (id, first name), the visit following it;
    `ProfileGone` when the hub no longer has it (erased elsewhere)."""
    found = plain_or_none((await hub.visitor(id=visit.profile_id or "")).profile)
    if found is None:
        raise ProfileGone()
    follow(visit, found)
    return found


# --- events -------------------------------------------------------------------------------------


def event(
    visit: Visit,
    event_type: EventType,
    *,
    sku: str | None = None,
    properties: dict[str, Any] | None = None,
) -> EventInput:
    given: dict[str, Any] = {
        "messageId": message_id(),
        "identifier": visit.track_identifier,
        "type": event_type,
        "touchpoint": "KIOSK",
    }
    if sku:
        given["productSku"] = sku
    if properties:
        given["properties"] = properties
    return typed(EventInput, given)


async def track(
    hub: HubClient,
    visit: Visit,
    event_type: EventType,
    *,
    sku: str | None = None,
    properties: dict[str, Any] | None = None,
) -> Outcome:
    """One event of this visit; `ProfileGone` when the hub drops it as a forgotten customer's
    (erased elsewhere: the hub suppresses their identifiers)."""
    answer = await hub.track(events=[event(visit, event_type, sku=sku, properties=properties)])
    if answer.track.suppressed:
        raise ProfileGone()
    return outcome_of(answer.track)


# --- catalogue ----------------------------------------------------------------------------------


async def categories(hub: HubClient) -> list[dict[str, Any]]:
    return [plain(c) for c in (await hub.categories()).categories]


async def products(
    hub: HubClient,
    *,
    category: str | None = None,
    search: str | None = None,
    first: int = 12,
    after: str | None = None,
) -> ProductPage:
    answer = await hub.products(first=first, category=category, search=search, after=after)
    items = [plain(p) for p in answer.products]
    # The list pages by SKU: `after` is the last SKU of the previous page.
    full = len(items) >= first
    return ProductPage(items=items, next_cursor=items[-1]["sku"] if full and items else None)


async def product(hub: HubClient, sku: str) -> dict[str, Any] | None:
    return plain_or_none((await hub.product(sku=sku)).product)


# --- content slots ------------------------------------------------------------------------------

HOME_SLOT = "kiosk-home"


async def content(hub: HubClient, slot: str, profile_id: str | None) -> dict[str, Any] | None:
    """What the hub shows this shopper in `slot`, with why; None when the slot has nothing."""
    return plain_or_none((await hub.content(slot=slot, profile_id=profile_id)).content)


# --- the shopper's profile ----------------------------------------------------------------------


async def for_you(
    hub: HubClient, profile_id: str, *, first: int = PICKS_ON_SCREEN
) -> dict[str, Any]:
    """The profile as the "for you" panel shows it: name, picks with reasons, explicit likes;
    `ProfileGone` when the hub no longer has it."""
    found = plain_or_none((await hub.for_you(first=first, id=profile_id)).profile)
    if found is None:
        raise ProfileGone()
    return found


async def set_preferences(
    hub: HubClient,
    profile_id: str,
    preferences: list[dict[str, Any]],
    *,
    bearer: str | None = None,
) -> Outcome:
    given = [typed(PreferenceInput, p) for p in preferences]
    answer = await hub.set_preferences(profile_id=profile_id, preferences=given, bearer=bearer)
    return of_profile(outcome_of(answer.set_preferences))


async def set_consent(
    hub: HubClient, profile_id: str, purpose: str, granted: bool, *, bearer: str | None = None
) -> Outcome:
    answer = await hub.set_consent(
        profile_id=profile_id,
        purpose=consent_purpose(purpose),
        granted=granted,
        bearer=bearer,
    )
    return of_profile(outcome_of(answer.set_consent))


def consent_purpose(value: str) -> ConsentPurpose:
    try:
        return ConsentPurpose(value)
    except ValueError as exc:
        raise HubError(f"not a consent purpose: {value[:40]!r}") from exc


def removal(key: str, value: str) -> dict[str, Any]:
    """Untick: remove the like (not a dislike)."""
    return {"key": key, "value": value, "remove": True}


THEMES_SHOWN = 12


async def themes(hub: HubClient) -> list[dict[str, Any]]:
    """Themes (motifs, patterns, colours) to offer as likes: the tags most common among the best
    sellers, which are the very `theme` values the hub learns from views."""

    async def from_best_sellers() -> list[dict[str, Any]]:
        best = await products(hub, first=100)
        counts = Counter(t for p in best.items for t in p.get("tags") or [])
        return [{"value": tag, "productCount": n} for tag, n in counts.most_common(THEMES_SHOWN)]

    return await hub.cached("themes", 600, from_best_sellers)


async def panel_for_page(
    hub: HubClient, visit: Visit, *, first: int = PICKS_ON_SCREEN
) -> dict[str, Any] | None:
    """The panel for a full page, with its picks reported back as shown (for attribution).

    Only full pages report: a panel refreshed by a change event does not, or its own report
    (itself a change) would refresh it again.
    """
    found = await panel(hub, visit, first=first)
    await _shown(hub, visit, found.get("recommendations") or [])
    return found


async def panel(hub: HubClient, visit: Visit, *, first: int = PICKS_ON_SCREEN) -> dict[str, Any]:
    """The "for you" panel of the visit's profile, the visit following it (`follow`)."""
    found = await for_you(hub, visit.profile_id or "", first=first)
    follow(visit, found)
    return found


async def recommendation_center(hub: HubClient, visit: Visit) -> dict[str, Any]:
    """The hub's Recommendation Center for this visit (groups of picks, each with the signal
    behind it), its picks reported back as shown."""
    try:
        answer = await hub.recommendation_center(id=visit.profile_id or None)
    except HubFailure as failure:
        if "NOT_FOUND" in failure.codes:
            raise ProfileGone() from failure
        raise
    center = plain(answer.recommendation_center)
    await _shown(hub, visit, [item for group in center["groups"] for item in group["items"]])
    return center


async def _shown(hub: HubClient, visit: Visit, picks: list[dict[str, Any]]) -> None:
    """RECOMMENDATION_SHOWN for each pick on a full page, so clicks and sales are attributed."""
    events = [
        event(
            visit,
            EventType.RECOMMENDATION_SHOWN,
            sku=r["product"]["sku"],
            properties={"recommendationId": r["recommendationId"]},
        )
        for r in picks
        if r.get("recommendationId")
    ]
    if events:
        await hub.track(events=events)
