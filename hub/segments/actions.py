"""Next best actions: what an agent could do for this caller now, best first, each with why.

They come from five places, each ranked by a base priority (higher first):
  SERVICE         a recent return to follow up (90), a gift registry whose day is near (70)
  OFFER           content in the `next-best-action` slot for the caller's segments (60 + its
                  own priority / 100), or for every caller
  RECOMMENDATION  the two best personal picks (50 + score)
  CONSENT         a marketing purpose never answered although we hold that contact (40)
  DATA_QUALITY    an open possible duplicate (30), no way to reach a known customer (20),
                  nothing stated about their tastes yet: the short survey (10)
An action taken or declined is not offered again for DECLINED_FOR; responses are events
(NEXT_BEST_ACTION_ACCEPTED / _REJECTED, or RECOMMENDATION_CLICKED / _REJECTED for a pick) so
that they feed learning and the evaluation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.catalog.models import Product
from hub.db import utcnow
from hub.enums import KNOWN_KINDS, ConsentPurpose, EventType, IdentifierKind
from hub.errors import DomainError, ErrorCode, Problem
from hub.events import service as events
from hub.identity import duplicates
from hub.identity import service as identity
from hub.identity.normalize import IdentifierIn
from hub.preferences import service as preferences
from hub.privacy import consent
from hub.profiles.models import Profile
from hub.recs import service as recs
from hub.registry import service as registries
from hub.segments import slots
from hub.weights import Weights
from hub.words import day, where

DECLINED_FOR = timedelta(days=30)
RETURN_FOLLOW_UP = timedelta(days=30)
REGISTRY_SOON = timedelta(days=45)
MAX_ACTIONS = 20
_RESPONSES = (
    EventType.NEXT_BEST_ACTION_ACCEPTED.value,
    EventType.NEXT_BEST_ACTION_REJECTED.value,
    EventType.RECOMMENDATION_CLICKED.value,
    EventType.RECOMMENDATION_REJECTED.value,
)
_ASK_CONSENT = {
    ConsentPurpose.MARKETING_EMAIL: (
        IdentifierKind.EMAIL,
        "Ask about marketing emails",
        "Would you like to hear about new arrivals and offers by email? "
        "You can change your mind at any time.",
        "We have an email address but no answer about marketing emails",
    ),
    ConsentPurpose.MARKETING_SMS: (
        IdentifierKind.PHONE,
        "Ask about text messages",
        "Would you like a text when something you like is back in stock or on offer? "
        "You can stop them at any time.",
        "We have a phone number but no answer about marketing text messages",
    ),
}
_DUPLICATE_WORDS = {
    "SAME_NAME_AND_POSTCODE": "Another profile has the same name and postcode",
    "SIMILAR_EMAIL": "Another profile has an almost identical email address",
    "SHARED_DEVICE": "Another profile was seen on the same device",
}


@dataclass(frozen=True)
class Action:
    id: str
    kind: str  # OFFER, RECOMMENDATION, CONSENT, SERVICE, DATA_QUALITY
    title: str
    script: str | None
    reason: str
    priority: float
    product: Product | None = None
    recommendation_id: str | None = None


async def _answered(session: AsyncSession, profile_id: str) -> set[str]:
    """Action ids taken or declined within DECLINED_FOR."""
    since = utcnow() - DECLINED_FOR
    rows = await events.recent_for(session, [profile_id], 500, _RESPONSES)
    return {
        str((e.properties or {}).get("actionId"))
        for e in rows
        if e.occurred_at >= since and (e.properties or {}).get("actionId")
    }


async def next_best_actions(
    session: AsyncSession,
    profile: Profile,
    weights: Weights,
    *,
    holdout_percent: float,
    first: int = 5,
) -> list[Action]:
    found: list[Action] = []
    now = utcnow()
    identifiers = await identity.identifiers_for(session, [profile.id])
    kinds = {i.kind for i in identifiers}

    for event in await events.recent_for(session, [profile.id], 3, (EventType.RETURN.value,)):
        if now - event.occurred_at > RETURN_FOLLOW_UP:
            continue
        name = event.product_sku or "an item"
        product = None
        if event.product_sku:
            product = (await catalog.products(session, [event.product_sku])).get(event.product_sku)
            name = product.name if product else name
        found.append(
            Action(
                id=f"return:{event.id}",
                kind="SERVICE",
                title=f"Ask how the return of {name} went",
                script=f"I can see you returned {name} recently. Was everything sorted out?",
                reason=f"Returned {name} {where(event.touchpoint)} on {day(event.occurred_at)}",
                priority=90,
                product=product,
            )
        )

    today = date.today()
    for view in await registries.views_owned_by(session, profile):
        when = view.registry.event_date
        left = sum(i.remaining for i in view.items)
        if when is None or left == 0 or not today <= when <= today + REGISTRY_SOON:
            continue
        found.append(
            Action(
                id=f"registry:{view.registry.code}",
                kind="SERVICE",
                title=f"Mention the gift registry “{view.registry.title}”",
                script=f"Your registry {view.registry.code} still has {left} item"
                f"{'s' if left != 1 else ''} wanted. Shall I send the code to your guests?",
                reason=f"“{view.registry.title}” is on {when.day} {when:%B %Y} and {left} item"
                f"{'s are' if left != 1 else ' is'} still wanted",
                priority=70,
            )
        )

    for offer in await slots.eligible_content(
        session, slots.NEXT_BEST_ACTION_SLOT, profile, "CALL_CENTER", weights
    ):
        found.append(
            Action(
                id=f"offer:{offer.item.id}",
                kind="OFFER",
                title=offer.item.title,
                script=offer.item.body or None,
                reason=offer.reason if offer.segment else "Offered to every caller",
                priority=60 + offer.item.priority / 100,
            )
        )

    picks = await recs.recommend(
        session, profile.id, profile.version, 2, weights, holdout_percent=holdout_percent
    )
    for pick in picks:
        if not pick.personal:
            continue
        found.append(
            Action(
                id=f"recommendation:{pick.product.sku}",
                kind="RECOMMENDATION",
                title=f"Suggest {pick.product.name}",
                script=f"You might like {pick.product.name} (£{pick.product.price:.2f}).",
                reason=pick.reason,
                priority=50 + min(pick.score, 9.0),
                product=pick.product,
                recommendation_id=pick.recommendation_id,
            )
        )

    if profile.is_known:
        views = {v.purpose: v for v in (await consent.views_for(session, [profile.id]))[profile.id]}
        for purpose, (needed, title, script, reason) in _ASK_CONSENT.items():
            if needed.value in kinds and views[purpose].is_default:
                found.append(
                    Action(
                        id=f"consent:{purpose.value}",
                        kind="CONSENT",
                        title=title,
                        script=script,
                        reason=reason,
                        priority=40,
                    )
                )

    for candidate in await duplicates.open_for(session, profile.id):
        found.append(
            Action(
                id=f"duplicate:{candidate.id}",
                kind="DATA_QUALITY",
                title="Check whether a similar profile is the same person",
                script="Could I confirm a couple of details so your account is complete?",
                reason=_DUPLICATE_WORDS.get(candidate.reason, "A possible duplicate is open"),
                priority=30,
            )
        )
    if profile.is_known and not kinds & {IdentifierKind.EMAIL.value, IdentifierKind.PHONE.value}:
        found.append(
            Action(
                id="contact",
                kind="DATA_QUALITY",
                title="Ask for an email address or phone number",
                script="Could I take an email address or phone number, for your orders?",
                reason="We have no way to reach them about their orders",
                priority=20,
            )
        )
    if profile.is_known and not await preferences.has_stated(session, profile.id):
        found.append(
            Action(
                id="survey",
                kind="DATA_QUALITY",
                title="Ask the short “serve you better” survey",
                script="Would you have a minute to tell us what you like to shop for?",
                reason="They haven't told us anything about their tastes yet",
                priority=10,
            )
        )

    answered = await _answered(session, profile.id)
    fresh = [a for a in found if a.id not in answered]
    fresh.sort(key=lambda a: (-a.priority, a.id))
    return fresh[: max(0, min(first, MAX_ACTIONS))]


@dataclass(frozen=True)
class Response:
    action: Action
    accepted: bool
    duplicate: bool


async def respond(
    session: AsyncSession,
    profile: Profile,
    action_id: str,
    accepted: bool,
    touchpoint: str,
    weights: Weights,
    *,
    holdout_percent: float,
    region: str,
    max_properties: int,
    message_id: str | None = None,
) -> Response:
    """Record the customer's answer to an action on offer, as an event."""
    offered = await next_best_actions(
        session, profile, weights, holdout_percent=holdout_percent, first=MAX_ACTIONS
    )
    action = next((a for a in offered if a.id == action_id), None)
    if action is None:
        raise DomainError.one(
            ("actionId",),
            ErrorCode.NOT_FOUND,
            "This suggestion is not on offer for this customer (already answered, or no "
            "longer relevant).",
        )
    rows = await identity.identifiers_for(session, [profile.id])
    if not rows:
        raise DomainError.one(("profileId",), ErrorCode.NOT_FOUND, "No such profile.")
    rows.sort(key=lambda r: (r.kind not in {k.value for k in KNOWN_KINDS}, r.id))
    who = IdentifierIn(IdentifierKind(rows[0].kind), rows[0].value)
    properties: dict[str, object] = {"actionId": action.id, "kind": action.kind}
    if action.kind == "RECOMMENDATION":
        kind = EventType.RECOMMENDATION_CLICKED if accepted else EventType.RECOMMENDATION_REJECTED
        properties["recommendationId"] = action.recommendation_id
    else:
        kind = (
            EventType.NEXT_BEST_ACTION_ACCEPTED if accepted else EventType.NEXT_BEST_ACTION_REJECTED
        )
        properties["title"] = action.title[:200]
    try:
        tracked = await events.track(
            session,
            [
                events.EventIn(
                    message_id=message_id or f"nba-{uuid.uuid4().hex}",
                    identifier=who,
                    type=kind,
                    touchpoint=touchpoint,
                    product_sku=action.product.sku if action.product else None,
                    properties=properties,
                )
            ],
            region=region,
            weights=weights,
            max_batch=1,
            max_properties=max_properties,
        )
    except DomainError as error:
        # The caller sent one argument of that event, its messageId: name it as they sent it,
        # not as a field of the event batch inside (["events", "0", "messageId"]).
        raise DomainError(
            [
                Problem(("messageId",), p.code, p.message)
                if tuple(str(f) for f in p.field) == ("events", "0", "messageId")
                else p
                for p in error.problems
            ]
        ) from None
    return Response(action, accepted, duplicate=tracked.duplicates > 0)
