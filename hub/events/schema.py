"""track: events from every touchpoint, in batches."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.arguments import InputContext
from strawberry.types.base import get_object_definition

from hub.actors import Scope
from hub.api.enums import EventType, Touchpoint
from hub.api.errors import UserError
from hub.api.mutation import attempt
from hub.api.permissions import Guard
from hub.enums import EventType as EventTypeValue
from hub.enums import Touchpoint as TouchpointValue
from hub.events import service as events
from hub.identity.normalize import IdentifierIn
from hub.identity.types import IdentifierInput


@strawberry.input
class EventInput:
    message_id: str = strawberry.field(description="The sender's unique id; replays are ignored.")
    identifier: IdentifierInput
    type: EventType
    touchpoint: Touchpoint
    occurred_at: datetime | None = None
    product_sku: str | None = None
    quantity: int | None = None
    price: float | None = None
    properties: JSON | None = None

    def to_domain(self) -> events.EventIn:
        return events.EventIn(
            message_id=self.message_id,
            identifier=self.identifier.to_domain(),
            type=EventTypeValue(self.type),
            touchpoint=TouchpointValue(self.touchpoint).value,
            occurred_at=self.occurred_at,
            product_sku=self.product_sku,
            quantity=self.quantity,
            price=self.price,
            properties=self.properties,  # type: ignore[arg-type]
        )


def _event_in(_cls: type, value: Mapping[str, Any], _context: InputContext) -> events.EventIn:
    """An EventInput as graphql-core coerced it, straight to the domain's EventIn.

    Strawberry's own conversion builds an EventInput and an IdentifierInput per event,
    resolving every field's annotation for each (about a third of a 1,000-event `track`);
    graphql-core has already checked the types, turned the enums into members of the domain's
    enums (strawberry.enum marks those classes themselves; calling the class again costs more
    than the rest) and parsed the time, so what is left is to pick the fields. Fields a client
    left out arrive as their published default (null), or are missing.
    """
    identifier = value["identifier"]
    return events.EventIn(
        message_id=value["messageId"],
        identifier=IdentifierIn(identifier["kind"], identifier["value"]),
        type=value["type"],
        touchpoint=value["touchpoint"].value,
        occurred_at=value.get("occurredAt"),
        product_sku=value.get("productSku"),
        quantity=value.get("quantity"),
        price=value.get("price"),
        properties=value.get("properties"),
    )


_definition = get_object_definition(EventInput, strict=True)
_definition.from_input = _event_in


@strawberry.type
class TrackPayload:
    accepted: int = 0
    duplicates: int = 0
    suppressed: int = strawberry.field(
        default=0, description="Events for customers who asked to be forgotten: dropped."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EventMutation:
    @strawberry.mutation(
        description="Store up to 1,000 events at once (all or none); a replayed messageId "
        "counts as a duplicate and changes nothing.",
        extensions=[Guard(Scope.TRACK)],
    )
    async def track(self, info: Info, events: list[EventInput]) -> TrackPayload:
        ctx = info.context
        # Each item arrives as the domain's EventIn (`_event_in`), an EventInput only when
        # built by hand.
        batch = [
            e if isinstance(e, events_service.EventIn) else e.to_domain()
            for e in cast("list[EventInput | events_service.EventIn]", events)
        ]
        settings = ctx.settings

        async def work(session):  # type: ignore[no-untyped-def]
            return await events_service.track(
                session,
                batch,
                region=settings.default_region,
                weights=ctx.hub.weights,
                max_batch=settings.max_track_batch,
                max_properties=settings.max_properties_bytes,
            )

        result, errors = await attempt(ctx, work)
        if result is None:
            return TrackPayload(user_errors=errors)
        return TrackPayload(
            accepted=result.accepted, duplicates=result.duplicates, suppressed=result.suppressed
        )


events_service = events
