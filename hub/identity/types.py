from __future__ import annotations

from datetime import datetime
from typing import Protocol

import strawberry

from hub.api.enums import IdentifierKind, Touchpoint
from hub.enums import CONTACT_KINDS, member
from hub.enums import IdentifierKind as Kind
from hub.identity.models import Merge
from hub.identity.normalize import IdentifierIn, mask


class IdentifierLike(Protocol):
    """What the type needs of a stored identifier (an ORM row or the profile read's plain one)."""

    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def touchpoint(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


@strawberry.input(description="An identifier as a client knows it; normalised by the hub.")
class IdentifierInput:
    kind: IdentifierKind
    value: str

    def to_domain(self) -> IdentifierIn:
        return IdentifierIn(Kind(self.kind), self.value)


@strawberry.type(description="One of the ways a customer is recognised.")
class Identifier:
    kind: IdentifierKind
    value: str = strawberry.field(description="Normalised; masked for shared screens (kiosk).")
    masked: bool
    touchpoint: Touchpoint | None
    created_at: datetime

    @classmethod
    def of(cls, row: IdentifierLike, masked: bool) -> Identifier:
        kind = member(Kind, row.kind)
        hide = masked and kind in CONTACT_KINDS
        return cls(
            kind=kind,
            value=mask(kind, row.value) if hide else row.value,
            masked=hide,
            touchpoint=member(Touchpoint, row.touchpoint),
            created_at=row.created_at,
        )


@strawberry.type(description="A merge journal entry: what moved from one profile into another.")
class MergeRecord:
    id: strawberry.ID
    survivor_id: strawberry.ID
    merged_id: strawberry.ID
    reason: str
    touchpoint: Touchpoint
    created_at: datetime
    split_at: datetime | None
    identifiers_moved: int
    events_moved: int

    @classmethod
    def of(cls, row: Merge) -> MergeRecord:
        return cls(
            id=strawberry.ID(row.id),
            survivor_id=strawberry.ID(row.survivor_id),
            merged_id=strawberry.ID(row.merged_id),
            reason=row.reason,
            touchpoint=member(Touchpoint, row.touchpoint),
            created_at=row.created_at,
            split_at=row.split_at,
            identifiers_moved=len(row.moved.get("identifier_ids", [])),
            events_moved=int(row.moved.get("event_count", 0)),
        )
