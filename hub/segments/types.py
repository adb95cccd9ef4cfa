"""GraphQL types of segments, content slots and next best actions."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.actors import Scope
from hub.api.enums import ConsentPurpose, Touchpoint
from hub.api.errors import UserError
from hub.catalog.types import Product
from hub.segments import actions
from hub.segments.models import ContentItem as ContentRow
from hub.segments.models import Segment as SegmentRow
from hub.segments.service import Membership, rule_shown
from hub.segments.slots import ContentPick


@strawberry.enum(description="How a segment export is written.")
class ExportFormat(Enum):
    CSV = "CSV"
    JSON = "JSON"


@strawberry.enum
class NextBestActionKind(Enum):
    OFFER = "OFFER"
    RECOMMENDATION = "RECOMMENDATION"
    CONSENT = "CONSENT"
    SERVICE = "SERVICE"
    DATA_QUALITY = "DATA_QUALITY"


def _created_by(root: Segment, info: Info) -> str:
    return root.maker if info.context.can(Scope.SEGMENTS) else ""


@strawberry.type(description="A named rule over behaviour and what customers told us.")
class Segment:
    id: strawberry.ID
    name: str
    description: str | None
    rule: JSON = strawberry.field(description="The rule's JSON (docs/segments.md).")
    created_by: str = strawberry.field(
        resolver=_created_by,
        description="The operator key that made it, for those who manage segments; empty for "
        "anyone else (a web site, a kiosk, an agent): an operator's name is not theirs to know.",
    )
    created_at: datetime
    updated_at: datetime
    maker: strawberry.Private[str]

    @classmethod
    def of(cls, row: SegmentRow, discreet: bool = False) -> Segment:
        """`discreet`: for a shared screen (the rule's postcodes name their district only)."""
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            description=row.description,
            rule=cast(JSON, rule_shown(row.rule, discreet)),
            maker=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(description="A segment the customer is in right now, and why in plain words.")
class SegmentMembership:
    segment: Segment
    reason: str

    @classmethod
    def of(cls, member: Membership, discreet: bool = False) -> SegmentMembership:
        return cls(segment=Segment.of(member.segment, discreet), reason=member.reason)


@strawberry.input
class SegmentInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Change this segment; leave out to create one."
    )
    name: str
    description: str | None = None
    rule: JSON


@strawberry.type
class SaveSegmentPayload:
    segment: Segment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteSegmentPayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A banner, message or offer for a slot, as an operator set it up.")
class ContentItem:
    id: strawberry.ID
    slot: str
    name: str
    title: str
    body: str
    link: str | None
    segment_id: strawberry.ID | None
    touchpoints: list[Touchpoint] = strawberry.field(description="Empty: every touchpoint.")
    priority: int
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    updated_at: datetime

    @classmethod
    def of(cls, row: ContentRow) -> ContentItem:
        return cls(
            id=strawberry.ID(str(row.id)),
            slot=row.slot,
            name=row.name,
            title=row.title,
            body=row.body,
            link=row.link,
            segment_id=strawberry.ID(str(row.segment_id)) if row.segment_id else None,
            touchpoints=[Touchpoint(t) for t in row.touchpoints or []],
            priority=row.priority,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            active=row.active,
            updated_at=row.updated_at,
        )


@strawberry.type(description="What a slot shows this shopper, and why.")
class Content:
    id: strawberry.ID
    slot: str
    title: str
    body: str
    link: str | None
    segment: Segment | None = strawberry.field(description="Null when shown to everyone.")
    reason: str

    @classmethod
    def of(cls, pick: ContentPick, discreet: bool = False) -> Content:
        return cls(
            id=strawberry.ID(str(pick.item.id)),
            slot=pick.item.slot,
            title=pick.item.title,
            body=pick.item.body,
            link=pick.item.link,
            segment=Segment.of(pick.segment, discreet) if pick.segment else None,
            reason=pick.reason,
        )


@strawberry.input
class ContentInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Change this item; leave out to create one."
    )
    slot: str = strawberry.field(description="e.g. kiosk-home, web-hero, next-best-action.")
    name: str
    title: str
    body: str = ""
    link: str | None = None
    segment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only for this segment's members; leave out for everyone."
    )
    touchpoints: list[Touchpoint] = strawberry.field(default_factory=list)
    priority: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    active: bool = True


@strawberry.type
class SaveContentPayload:
    content: ContentItem | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteContentPayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Something an agent could do for this caller now, with why.")
class NextBestAction:
    id: strawberry.ID = strawberry.field(description="Send back with respondToNextBestAction.")
    kind: NextBestActionKind
    title: str
    script: str | None = strawberry.field(description="What the agent might say.")
    reason: str
    priority: float
    product: Product | None
    recommendation_id: str | None

    @classmethod
    def of(cls, action: actions.Action) -> NextBestAction:
        return cls(
            id=strawberry.ID(action.id),
            kind=NextBestActionKind(action.kind),
            title=action.title,
            script=action.script,
            reason=action.reason,
            priority=action.priority,
            product=Product.of(action.product) if action.product else None,
            recommendation_id=action.recommendation_id,
        )


@strawberry.type
class RespondToNextBestActionPayload:
    accepted: bool = False
    action: NextBestAction | None = None
    duplicate: bool = strawberry.field(
        default=False, description="This messageId was answered before: nothing changed."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExportSegmentPayload:
    segment: Segment | None = None
    purpose: ConsentPurpose | None = None
    format: ExportFormat | None = None
    count: int = 0
    excluded_without_consent: int = strawberry.field(
        default=0, description="Members left out: no consent for this purpose."
    )
    excluded_without_contact: int = strawberry.field(
        default=0, description="Members left out: no email / phone / postal details on file."
    )
    data: str | None = strawberry.field(
        default=None, description="The file: CSV with a header row, or a JSON array."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
