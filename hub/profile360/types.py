"""The Profile as GraphQL sees it. Its source is the profile row itself (hub.profiles.models):
plain fields read the row, relations come through DataLoaders. Any resolver, in any domain,
answers with the row (typed `hub.profiles.payloads.ProfileRef`) and this type reads it; the
profile query by identifier answers with `facts.ProfileFacts`, the same columns without the
ORM, which every field here reads alike (attributes only)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.actors import Scope
from hub.api.enums import EventType, PreferenceSource, Touchpoint
from hub.api.permissions import Allowed, NullUnless, Unmasked
from hub.catalog import loaders as catalog_loaders
from hub.catalog.types import Product
from hub.enums import IdentifierKind as Kind
from hub.enums import member
from hub.events import service as events
from hub.events.service import describe
from hub.identity import stewardship
from hub.identity.types import Identifier, MergeRecord
from hub.masks import mask_postcode
from hub.preferences.views import PreferenceView
from hub.privacy import outbox
from hub.privacy.consent import ConsentView
from hub.privacy.types import Consent
from hub.profile360 import facts, loaders
from hub.profile360.facts import EventFacts, IdentifierFacts
from hub.profiles import service as profiles
from hub.profiles.models import Note as NoteRow
from hub.profiles.models import Profile as ProfileRow
from hub.recs import service as recs
from hub.recs.types import Recommendation, RecommendationContext
from hub.registry import service as registries
from hub.registry.types import GiftRegistry
from hub.segments import service as segments
from hub.segments.types import SegmentMembership

MAX_EVENTS = 100
T = TypeVar("T")


@strawberry.type(description="A stated (EXPLICIT) or learned (IMPLICIT) preference, with why.")
class Preference:
    key: str
    value: str
    label: str | None = strawberry.field(description="Product or category name, when known.")
    like: bool
    weight: float = strawberry.field(
        description="1 / -1 for what the customer said; learned interests stay inside (-1, 1)."
    )
    source: PreferenceSource
    touchpoint: Touchpoint | None
    updated_at: datetime
    reason: str


def _message_body(info: Info, purpose: str, body: str) -> str:
    # One-time codes are shown to agents only in development (DESIGN: "in dev … the agent
    # app"); in production nobody but the customer ever reads them.
    if purpose == "SERVICE" and info.context.settings.env != "dev":
        return "(a one-time message, not shown)"
    return body


@strawberry.type
class Event:
    id: strawberry.ID
    message_id: str
    type: EventType
    touchpoint: Touchpoint
    occurred_at: datetime
    product_sku: str | None
    quantity: int | None
    price: float | None
    # Plain fields, filled in by `of` (a resolver per field of twenty events cost more than
    # the words). Free text: contact details in it are masked for shared screens by
    # hub.api.masking.
    summary: str = strawberry.field(description="What happened, in plain words.")
    # The stored event as the profile read loaded it, its product's name joined in.
    facts: strawberry.Private[EventFacts]

    @strawberry.field(description="What the sender attached; masked for shared screens.")
    def properties(self) -> JSON:
        return cast(JSON, self.facts.properties)

    @strawberry.field
    async def product(self, info: Info) -> Product | None:
        if not self.product_sku:
            return None
        row = await catalog_loaders.products(info.context).load(self.product_sku)
        return Product.of(row) if row else None

    @classmethod
    def of(cls, row: EventFacts) -> Event:
        return cls(
            id=strawberry.ID(str(row.id)),
            message_id=row.message_id,
            type=member(EventType, row.type),
            touchpoint=member(Touchpoint, row.touchpoint),
            occurred_at=row.occurred_at,
            product_sku=row.product_sku,
            quantity=row.quantity,
            price=float(row.price) if row.price is not None else None,
            summary=describe(row, row.product_name),
            facts=row,
        )


@strawberry.type
class Note:
    id: strawberry.ID
    text: str
    author: str
    touchpoint: Touchpoint
    created_at: datetime

    @classmethod
    def of(cls, row: NoteRow) -> Note:
        return cls(
            id=strawberry.ID(str(row.id)),
            text=row.text,
            author=row.author,
            touchpoint=member(Touchpoint, row.touchpoint),
            created_at=row.created_at,
        )  # type: ignore[arg-type]


@strawberry.type(description="A message from the outbox (one-time codes, receipts, marketing).")
class Message:
    id: strawberry.ID
    medium: str
    recipient: str
    subject: str
    body: str
    status: str
    created_at: datetime


@strawberry.type(description="Lifetime purchases and returns, net of nothing: both are shown.")
class OrderSummary:
    orders: int = strawberry.field(description="Distinct orders (invoice or orderId).")
    purchase_lines: int
    units: int
    spent: float
    returns: int = strawberry.field(description="Distinct return orders.")
    returned_units: int
    refunded: float
    net: float = strawberry.field(description="Spent less refunded.")
    first_order_at: datetime | None
    last_order_at: datetime | None
    last_return_at: datetime | None


@strawberry.type(description="One customer, as every touchpoint sees them.")
class Profile:
    """Read from a `ProfileRow` (or `facts.ProfileFacts`): `self` in every resolver below is
    the row (see `_row`)."""

    id: strawberry.ID
    first_name: str | None
    last_name: str | None
    is_known: bool = strawberry.field(description="Holds an email, phone, loyalty or CRM id.")
    version: int = strawberry.field(description="Moves on with every committed change.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="First-name greeting for shared screens.")
    def greeting(self) -> str:
        return profiles.greeting(_row(self))

    @strawberry.field(description="How an agent addresses the caller.")
    def salutation(self) -> str | None:
        return profiles.salutation(_row(self))

    @strawberry.field(
        description="Other stated details (title, postcode, preferred store); on a shared "
        'screen the postcode names its district only ("SW1A ***").'
    )
    def traits(self, info: Info) -> JSON:
        traits = dict(_row(self).traits or {})
        if info.context.masked and isinstance(traits.get("postcode"), str):
            traits["postcode"] = mask_postcode(traits["postcode"])
        return cast(JSON, traits)

    @strawberry.field
    def display_name(self, info: Info) -> str:
        def named(rows: list[IdentifierFacts]) -> str:
            crm = next((r.value for r in rows if r.kind == Kind.CRM_ID.value), None)
            return profiles.display_name(_row(self), crm)

        return _with_part(self, info, facts.IDENTIFIERS, named)

    @strawberry.field
    def identifiers(self, info: Info) -> list[Identifier]:
        masked = info.context.masked
        return _with_part(
            self, info, facts.IDENTIFIERS, lambda rows: [Identifier.of(r, masked) for r in rows]
        )

    @strawberry.field(description="Stated preferences first, then the strongest learned ones.")
    def preferences(self, info: Info, source: PreferenceSource | None = None) -> list[Preference]:
        return _with_part(self, info, facts.PREFERENCES, lambda views: _preferences(views, source))

    @strawberry.field(description="Every purpose, with the customer's answer or the default.")
    def consents(self, info: Info) -> list[Consent]:
        return _with_part(self, info, facts.CONSENTS, _consents)

    @strawberry.field(
        description="Newest first, across every touchpoint (at most 100); only these types "
        "when `types` is given (e.g. leave out RECOMMENDATION_SHOWN for a shopper's history)."
    )
    def recent_events(
        self, info: Info, first: int = 20, types: list[EventType] | None = None
    ) -> list[Event]:
        key = (
            facts.EVENTS,
            _row(self).id,
            max(0, min(first, MAX_EVENTS)),
            tuple(t.value for t in types or ()),
        )
        loaded = loaders.profile_parts(info.context).load(key)
        return _when(loaded, lambda rows: [Event.of(r) for r in rows])

    @strawberry.field(description="Picks for this touchpoint, each with its reason (at most 50).")
    async def recommendations(
        self,
        info: Info,
        touchpoint: Touchpoint,
        first: int = 10,
        context: RecommendationContext | None = None,
    ) -> list[Recommendation]:
        ctx = info.context
        async with ctx.reading() as session:
            picks = await recs.recommend(
                session,
                _row(self).id,
                _row(self).version,
                max(0, min(first, 50)),
                ctx.hub.weights,
                holdout_percent=ctx.settings.holdout_percent,
                viewing=context.product_sku if context else None,
                new_only=bool(context and context.new_only),
            )
        return [Recommendation.of(p) for p in picks]

    @strawberry.field(
        description="Merges into this profile, newest first (agents; null else).",
        extensions=[NullUnless(Allowed(Scope.IDENTITY_STEWARD))],
    )
    async def merges(self, info: Info) -> list[MergeRecord] | None:
        async with info.context.reading() as session:
            rows = await stewardship.merges_into(session, _row(self).id)
        return [MergeRecord.of(r) for r in rows]

    @strawberry.field(
        description="Messages sent to the customer, newest first (agents only).",
        extensions=[NullUnless(Allowed(Scope.NOTES))],
    )
    async def messages(self, info: Info, first: int = 10) -> list[Message] | None:
        async with info.context.reading() as session:
            rows = await outbox.recent_for(session, _row(self).id, max(1, min(first, 50)))
        return [
            Message(
                id=strawberry.ID(str(r.id)),
                medium=r.medium,
                recipient=r.recipient,
                subject=r.subject,
                body=_message_body(info, r.purpose, r.body),
                status=r.status,
                created_at=r.created_at,
            )
            for r in rows
        ]

    @strawberry.field(
        description="Lifetime orders and returns with totals (null on a shared screen: no "
        "amounts of money there).",
        extensions=[NullUnless(Unmasked())],
    )
    async def order_summary(self, info: Info) -> OrderSummary | None:
        async with info.context.reading() as session:
            found = await events.order_summary(session, _row(self).id)
        return OrderSummary(
            orders=found.orders,
            purchase_lines=found.purchase_lines,
            units=found.units,
            spent=found.spent,
            returns=found.returns,
            returned_units=found.returned_units,
            refunded=found.refunded,
            net=round(found.net, 2),
            first_order_at=found.first_order_at,
            last_order_at=found.last_order_at,
            last_return_at=found.last_return_at,
        )

    @strawberry.field(description="The segments the customer is in right now, each with why.")
    async def segments(self, info: Info) -> list[SegmentMembership]:
        ctx = info.context
        async with ctx.reading() as session:
            found = await segments.memberships(
                session, _row(self), ctx.hub.weights, discreet=ctx.masked
            )
        return [SegmentMembership.of(m, ctx.masked) for m in found]

    @strawberry.field(description="The customer's own gift registries, with what is still wanted.")
    async def gift_registries(self, info: Info) -> list[GiftRegistry]:
        async with info.context.reading() as session:
            views = await registries.views_owned_by(session, _row(self))
        return [GiftRegistry.of(v) for v in views]

    @strawberry.field(
        description="Agents' notes (null unless the caller may read notes).",
        extensions=[NullUnless(Allowed(Scope.NOTES))],
    )
    async def notes(self, info: Info, first: int = 20) -> list[Note] | None:
        async with info.context.reading() as session:
            rows = await profiles.notes_for(session, [_row(self).id], max(0, min(first, 100)))
        return [Note.of(r) for r in rows]


def _row(source: object) -> ProfileRow:
    """The source strawberry hands a Profile resolver: the profile row a resolver answered with."""
    return cast(ProfileRow, source)


def _with_part(source: object, info: Info, part: str, answer: Callable[[Any], T]) -> T:
    """`answer` of the profile's part: at once when the profile read loaded it beside the
    profile (the usual case: no coroutine, no task, no turn of the event loop per field),
    else once the part's loader has it."""
    return _when(loaders.profile_parts(info.context).load((part, _row(source).id)), answer)


def _when(loaded: Awaitable[Any], answer: Callable[[Any], T]) -> T:
    """`answer(value)` now if `loaded` is a finished future, else an awaitable of it, which
    graphql-core awaits as it does any awaitable a resolver returns (typed as the answer: that
    is the field's published type either way)."""
    if isinstance(loaded, asyncio.Future) and loaded.done() and not loaded.cancelled():
        if loaded.exception() is None:
            return answer(loaded.result())
    return cast(T, _later(loaded, answer))


async def _later(loaded: Awaitable[Any], answer: Callable[[Any], T]) -> T:
    return answer(await loaded)


def _preferences(views: list[PreferenceView], source: PreferenceSource | None) -> list[Preference]:
    return [
        Preference(
            key=v.key,
            value=v.value,
            label=v.label,
            like=v.like,
            weight=v.weight,
            source=v.source,
            touchpoint=member(Touchpoint, v.touchpoint),
            updated_at=v.updated_at,
            reason=v.reason,
        )
        for v in views
        if source is None or v.source == source
    ]


def _consents(views: list[ConsentView]) -> list[Consent]:
    return [
        Consent(
            purpose=v.purpose,
            granted=v.granted,
            is_default=v.is_default,
            updated_at=v.updated_at,
            expires_at=v.expires_at,
            touchpoint=member(Touchpoint, v.touchpoint) if v.touchpoint else None,
        )
        for v in views
    ]
