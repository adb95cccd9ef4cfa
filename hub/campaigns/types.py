"""GraphQL types of direct-marketing campaigns."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from hub.api.enums import ConsentPurpose, Touchpoint
from hub.api.errors import UserError
from hub.campaigns.evaluation import Estimate, Evaluation, GroupFigures
from hub.campaigns.models import Campaign as CampaignRow
from hub.campaigns.models import CampaignRecipient as RecipientRow
from hub.campaigns.repository import Counts
from hub.enums import member
from hub.segments.types import ExportFormat


@strawberry.enum(description="Where a campaign stands: DRAFT until it runs, then RUN (frozen).")
class CampaignStatus(Enum):
    DRAFT = "DRAFT"
    RUN = "RUN"


@strawberry.type(description="A mailing to a segment for one marketing purpose, with its figures.")
class Campaign:
    id: strawberry.ID
    name: str
    segment_id: strawberry.ID
    purpose: ConsentPurpose = strawberry.field(description="Also the channel: email, SMS or post.")
    content_slot: str | None
    starts_at: datetime
    ends_at: datetime
    control_percent: float = strawberry.field(description="Share of the audience held out.")
    status: CampaignStatus
    run_at: datetime | None = strawberry.field(description="When the audience was frozen.")
    created_by: str
    created_at: datetime
    audience: int = strawberry.field(description="Recipients frozen at the run, control included.")
    control: int = strawberry.field(description="Held out: sent nothing.")
    treated: int = strawberry.field(description="Sent the mailing (audience less control).")
    responded: int = strawberry.field(description="Treated recipients whose code came back.")
    aa_check: bool = strawberry.field(
        default=False,
        description="An A/A check (purpose ANALYTICS): nobody was sent anything, so its "
        "evaluation shows what chance alone looks like; no mail-merge, no codes answered.",
    )

    @classmethod
    def of(cls, row: CampaignRow, counts: Counts | None = None) -> Campaign:
        counts = counts or Counts()
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            segment_id=strawberry.ID(str(row.segment_id)),
            purpose=ConsentPurpose(row.purpose),
            content_slot=row.content_slot,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            control_percent=row.control_percent,
            status=CampaignStatus(row.status),
            run_at=row.run_at,
            created_by=row.created_by,
            created_at=row.created_at,
            audience=counts.audience,
            control=counts.control,
            treated=counts.treated,
            responded=counts.responded,
            aa_check=row.purpose == ConsentPurpose.ANALYTICS.value,
        )


@strawberry.type(description="One customer of a run campaign's frozen audience (operators).")
class CampaignRecipient:
    id: strawberry.ID = strawberry.field(
        description="The recipient's place in the audience: `after` in campaignRecipients."
    )
    profile_id: strawberry.ID
    control: bool
    response_code: str
    reason: str = strawberry.field(description="Why they were in the segment at the run.")
    exported_at: datetime | None
    responded_at: datetime | None
    response_touchpoint: Touchpoint | None

    @classmethod
    def of(cls, row: RecipientRow) -> CampaignRecipient:
        return cls(
            id=strawberry.ID(str(row.id)),
            profile_id=strawberry.ID(row.profile_id),
            control=row.control,
            response_code=row.response_code,
            reason=row.reason,
            exported_at=row.exported_at,
            responded_at=row.responded_at,
            response_touchpoint=member(Touchpoint, row.response_touchpoint)
            if row.response_touchpoint
            else None,
        )


@strawberry.input
class CampaignInput:
    name: str
    segment_id: strawberry.ID
    purpose: ConsentPurpose = strawberry.field(
        description="MARKETING_EMAIL, MARKETING_SMS or MARKETING_POST: consent and channel."
    )
    content_slot: str | None = strawberry.field(
        default=None, description="A content slot whose item for each recipient goes in the row."
    )
    starts_at: datetime
    ends_at: datetime
    control_percent: float = strawberry.field(
        default=10.0, description="Share of the audience held out as a control group (0–90)."
    )


@strawberry.type
class CreateCampaignPayload:
    campaign: Campaign | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RunCampaignPayload:
    campaign: Campaign | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExportCampaignPayload:
    campaign: Campaign | None = None
    format: ExportFormat | None = None
    count: int = 0
    excluded_withdrawn: int = strawberry.field(
        default=0, description="Recipients left out: withdrew the purpose since the run."
    )
    excluded_unreachable: int = strawberry.field(
        default=0,
        description="Recipients left out: erased, no contact for the channel now, or one person "
        "with a control-group recipient since the run (merged): the control group is sent nothing.",
    )
    data: str | None = strawberry.field(
        default=None,
        description="The mail-merge file: CSV (pick1Sku, pick1Name, pick1Reason, …) or a JSON "
        "array of rows with `picks`.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RedeemResponseCodePayload:
    redeemed: bool = False
    first_name: str | None = strawberry.field(
        default=None, description="The recipient's first name: all a touchpoint is told."
    )
    duplicate: bool = strawberry.field(
        default=False, description="This code was redeemed before: nothing changed."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="One group of a run campaign (treated or control), as evaluated.")
class CampaignGroupFigures:
    recipients: int = strawberry.field(description="Frozen at the run.")
    reached: int = strawberry.field(
        description="Treated: recipients exported to the mail-merge. Control: always 0, by "
        "design: the control group is sent nothing."
    )
    responded: int = strawberry.field(
        description="Recipients with a CAMPAIGN_RESPONSE event of this campaign."
    )
    converted: int = strawberry.field(
        description="Recipients with any PURCHASE event inside [startsAt, endsAt], whether or "
        "not a response code was used."
    )
    conversion_rate: float | None = strawberry.field(
        description="converted / recipients; null for an empty group."
    )
    revenue: float = strawberry.field(description="Sum of quantity × price of those purchases.")
    revenue_per_recipient: float | None = strawberry.field(
        description="revenue / recipients (non-buyers count as 0); null for an empty group."
    )

    @classmethod
    def of(cls, group: GroupFigures) -> CampaignGroupFigures:
        return cls(
            recipients=group.recipients,
            reached=group.reached,
            responded=group.responded,
            converted=group.converted,
            conversion_rate=group.conversion_rate,
            revenue=round(group.revenue, 2),
            revenue_per_recipient=group.revenue_per_recipient,
        )


@strawberry.type(description="A point estimate of treated against control with its 95 % interval.")
class LiftEstimate:
    estimate: float
    low: float = strawberry.field(description="Lower end of the 95 % interval.")
    high: float = strawberry.field(description="Upper end of the 95 % interval.")
    significant: bool = strawberry.field(
        description="The interval excludes no effect (0 for a difference, 1 for a ratio)."
    )

    @classmethod
    def of(cls, found: Estimate | None, null: float) -> LiftEstimate | None:
        if found is None:
            return None
        return cls(
            estimate=found.value,
            low=found.low,
            high=found.high,
            significant=found.excludes(null),
        )


@strawberry.type(description="A campaign against its control group: did the mailing pay?")
class CampaignEvaluation:
    campaign: Campaign
    treated: CampaignGroupFigures
    control: CampaignGroupFigures
    conversion_difference: LiftEstimate | None = strawberry.field(
        description="Treated less control conversion rate, with Newcombe's (Wilson score) "
        "95 % interval; null without both groups."
    )
    conversion_ratio: LiftEstimate | None = strawberry.field(
        description="Treated over control conversion rate, with a log (Katz) 95 % interval; "
        "null when either group has no conversion."
    )
    revenue_per_recipient_difference: LiftEstimate | None = strawberry.field(
        description="Treated less control revenue per recipient, with a 95 % percentile "
        "bootstrap interval (1,000 resamples of recipients within each group, fixed seed)."
    )
    verdict: str = strawberry.field(description="The evaluation in plain words.")
    note: str | None = strawberry.field(
        default=None,
        description="How to read it, in plain words, for an A/A check (null for a mailing).",
    )

    @classmethod
    def of(cls, campaign: Campaign, found: Evaluation) -> CampaignEvaluation:
        return cls(
            campaign=campaign,
            treated=CampaignGroupFigures.of(found.treated),
            control=CampaignGroupFigures.of(found.control),
            conversion_difference=LiftEstimate.of(found.conversion_difference, 0.0),
            conversion_ratio=LiftEstimate.of(found.conversion_ratio, 1.0),
            revenue_per_recipient_difference=LiftEstimate.of(
                found.revenue_per_recipient_difference, 0.0
            ),
            verdict=found.verdict,
            note=found.note,
        )
