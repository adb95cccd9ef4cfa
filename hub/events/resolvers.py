"""Event types whose meaning another domain owns.

A CAMPAIGN_RESPONSE carries a mailing's response code, and only the campaigns domain can tell
whose code it is, whether it may be answered and which campaign it answers. Such a domain
registers a resolver for the type when it is imported; `events.track` hands it every event of
that type in the batch (after validation, before anything is stored, in the same transaction),
and stores what it gives back: the event completed (on the right profile, attributed), or None
for one that is dropped because its customer asked to be forgotten. A resolver refuses a bad
event by raising a DomainError, which refuses the whole batch like any validation problem.

The events domain never imports the domain that owns a type (the dependency points one way);
a type listed in OWNED with no resolver registered is refused rather than stored unchecked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from hub.enums import EventType
from hub.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from hub.events.service import EventIn

# (index in the batch, event) → the event to store, or None (dropped: suppressed).
Resolver = Callable[
    [AsyncSession, Sequence[tuple[int, "EventIn"]]], Awaitable[list["EventIn | None"]]
]

OWNED = frozenset({EventType.CAMPAIGN_RESPONSE})
_RESOLVERS: dict[EventType, Resolver] = {}


def register(event_type: EventType, resolver: Resolver) -> None:
    """The owning domain's resolver for `event_type` (one per type; a re-import replaces it)."""
    _RESOLVERS[event_type] = resolver


async def resolve(session: AsyncSession, events: list[EventIn]) -> tuple[list[EventIn], int]:
    """The batch with every owned event checked and completed by its domain, and how many were
    dropped for customers who asked to be forgotten."""
    owned: dict[EventType, list[tuple[int, EventIn]]] = {}
    for index, event in enumerate(events):
        if event.type in OWNED:
            owned.setdefault(event.type, []).append((index, event))
    if not owned:
        return events, 0
    resolved: list[EventIn | None] = list(events)
    for event_type, batch in owned.items():
        resolver = _RESOLVERS.get(event_type)
        if resolver is None:
            raise DomainError.one(
                ("events", batch[0][0], "type"),
                ErrorCode.INVALID,
                f"{event_type.value} events are not accepted by this process.",
            )
        for (index, _), done in zip(batch, await resolver(session, batch), strict=True):
            resolved[index] = done
    kept = [e for e in resolved if e is not None]
    return kept, len(events) - len(kept)
