"""campaign, campaigns, campaignRecipients, campaignEvaluation, createCampaign, runCampaign,
exportCampaign, redeemResponseCode."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.errors import from_domain
from hub.api.mutation import attempt
from hub.api.permissions import Allowed, Guard
from hub.campaigns import responses
from hub.campaigns import service as campaigns
from hub.campaigns.models import Campaign as CampaignRow
from hub.campaigns.types import (
    Campaign,
    CampaignEvaluation,
    CampaignInput,
    CampaignRecipient,
    CreateCampaignPayload,
    ExportCampaignPayload,
    RedeemResponseCodePayload,
    RunCampaignPayload,
)
from hub.enums import ConsentPurpose
from hub.errors import DomainError
from hub.ids import row_number
from hub.segments.types import ExportFormat

MAX_RECIPIENTS = 1000


async def _with_counts(session: AsyncSession, row: CampaignRow) -> Campaign:
    found = await campaigns.counts(session, [row.id])
    return Campaign.of(row, found.get(row.id))


@strawberry.type
class CampaignQuery:
    @strawberry.field(
        description="One campaign with its figures (operators); null when unknown.",
        extensions=[PermissionExtension([Allowed(Scope.CAMPAIGNS)])],
    )
    async def campaign(self, info: Info[Context, None], id: strawberry.ID) -> Campaign | None:
        async with info.context.reading() as session:
            row = await campaigns.find(session, row_number(id))
            return await _with_counts(session, row) if row is not None else None

    @strawberry.field(
        description="Every campaign, newest first, with its figures (operators).",
        extensions=[PermissionExtension([Allowed(Scope.CAMPAIGNS)])],
    )
    async def campaigns(self, info: Info[Context, None]) -> list[Campaign]:
        async with info.context.reading() as session:
            rows = await campaigns.all_campaigns(session)
            found = await campaigns.counts(session, [r.id for r in rows])
        return [Campaign.of(r, found.get(r.id)) for r in rows]

    @strawberry.field(
        description="A run campaign's frozen audience, control group included (operators), "
        "in the order of the run, a page at a time (`after`).",
        extensions=[PermissionExtension([Allowed(Scope.CAMPAIGNS)])],
    )
    async def campaign_recipients(
        self,
        info: Info[Context, None],
        campaign_id: strawberry.ID,
        first: int = 100,
        control: bool | None = None,
        after: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The `id` of the last recipient of the page before: the next page."
            ),
        ] = None,
    ) -> list[CampaignRecipient]:
        try:
            async with info.context.reading() as session:
                rows = await campaigns.recipients(
                    session,
                    row_number(campaign_id),
                    control,
                    max(0, min(first, MAX_RECIPIENTS)),
                    after=row_number(after) if after is not None else None,
                )
        except DomainError as error:  # an unknown campaign: a typed error, not a crash
            raise from_domain(error) from error
        return [CampaignRecipient.of(r) for r in rows]

    @strawberry.field(
        description="A campaign against its control group (operators): per group recipients, "
        "reached, responded, converted (any purchase inside the campaign window) and revenue; "
        "the lift in conversion and in revenue per recipient with 95 % intervals, and a "
        "verdict in plain words.",
        extensions=[PermissionExtension([Allowed(Scope.CAMPAIGNS)])],
    )
    async def campaign_evaluation(
        self, info: Info[Context, None], campaign_id: strawberry.ID
    ) -> CampaignEvaluation:
        try:
            async with info.context.reading() as session:
                row, found = await campaigns.evaluate(session, row_number(campaign_id))
                campaign = await _with_counts(session, row)
        except DomainError as error:  # an unknown campaign: a typed error, not a crash
            raise from_domain(error) from error
        return CampaignEvaluation.of(campaign, found)


@strawberry.type
class CampaignMutation:
    @strawberry.mutation(
        description="Set up a mailing to a segment; it reaches nobody until it runs.",
        extensions=[Guard(Scope.CAMPAIGNS)],
    )
    async def create_campaign(
        self, info: Info[Context, None], input: CampaignInput
    ) -> CreateCampaignPayload:
        wanted = campaigns.CampaignIn(
            name=input.name,
            segment_id=row_number(input.segment_id),
            purpose=ConsentPurpose(input.purpose),
            content_slot=input.content_slot,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            control_percent=input.control_percent,
        )

        async def work(session: AsyncSession) -> Campaign:
            return Campaign.of(await campaigns.create_campaign(session, wanted))

        saved, errors = await attempt(info.context, work)
        return CreateCampaignPayload(campaign=saved, user_errors=errors)

    @strawberry.mutation(
        description="Freeze the audience now (the segment's members the purpose may reach), "
        "hold out the control group and give everyone a response code. Once only.",
        extensions=[Guard(Scope.CAMPAIGNS)],
    )
    async def run_campaign(
        self, info: Info[Context, None], campaign_id: strawberry.ID
    ) -> RunCampaignPayload:
        ctx = info.context

        async def work(session: AsyncSession) -> Campaign:
            row = await campaigns.run_campaign(session, row_number(campaign_id), ctx.hub.weights)
            return await _with_counts(session, row)

        done, errors = await attempt(ctx, work)
        return RunCampaignPayload(campaign=done, user_errors=errors)

    @strawberry.mutation(
        description="The mail-merge file of a run campaign: per treated recipient the contact "
        "the purpose needs, the response code, the campaign's content and their top picks "
        "with reasons. Whoever withdrew the purpose since the run is left out.",
        extensions=[Guard(Scope.CAMPAIGNS)],
    )
    async def export_campaign(
        self, info: Info[Context, None], campaign_id: strawberry.ID, format: ExportFormat
    ) -> ExportCampaignPayload:
        ctx = info.context

        async def work(session: AsyncSession) -> tuple[campaigns.CampaignExport, Campaign]:
            done = await campaigns.export_campaign(
                session,
                row_number(campaign_id),
                format.value,
                ctx.hub.weights,
                holdout_percent=ctx.settings.holdout_percent,
            )
            return done, await _with_counts(session, done.campaign)

        found, errors = await attempt(ctx, work)
        if found is None:
            return ExportCampaignPayload(user_errors=errors)
        done, campaign = found
        return ExportCampaignPayload(
            campaign=campaign,
            format=format,
            count=done.count,
            excluded_withdrawn=done.withdrawn,
            excluded_unreachable=done.unreachable,
            data=done.data,
        )

    @strawberry.mutation(
        description="A mailing's response code, entered at the kiosk, told to an agent or sent "
        "by the web site: recorded as a CAMPAIGN_RESPONSE event on the recipient's profile at "
        "this touchpoint. Only the first name comes back.",
        extensions=[Guard(Scope.RESPONSE_CODES)],
    )
    async def redeem_response_code(
        self,
        info: Info[Context, None],
        code: str,
        touchpoint: Touchpoint,
        profile_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The customer being served (an agent's open profile): a code sent "
                "to anyone else is refused with CONFLICT and nothing is recorded."
            ),
        ] = None,
    ) -> RedeemResponseCodePayload:
        ctx = info.context
        expected = str(profile_id) if profile_id is not None else None

        async def work(session: AsyncSession) -> responses.Redemption:
            return await responses.redeem(
                session,
                code,
                touchpoint.value,
                weights=ctx.hub.weights,
                region=ctx.settings.default_region,
                max_properties=ctx.settings.max_properties_bytes,
                expected_profile_id=expected,
            )

        done, errors = await attempt(ctx, work)
        if done is None:
            return RedeemResponseCodePayload(user_errors=errors)
        return RedeemResponseCodePayload(
            redeemed=True, first_name=done.first_name, duplicate=done.duplicate
        )
