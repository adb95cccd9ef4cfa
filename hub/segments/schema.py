"""segments, saveSegment, deleteSegment, exportSegment, content, contentItems, saveContent,
deleteContent, nextBestActions, respondToNextBestAction."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import ConsentPurpose, Touchpoint
from hub.api.errors import ClientError
from hub.api.mutation import attempt
from hub.api.permissions import OWN_PROFILE_ONLY, Allowed, Guard
from hub.ids import row_number
from hub.profiles import service as profiles
from hub.profiles.models import Profile as ProfileRow
from hub.segments import actions, exports, slots
from hub.segments import service as segments
from hub.segments.types import (
    Content,
    ContentInput,
    ContentItem,
    DeleteContentPayload,
    DeleteSegmentPayload,
    ExportFormat,
    ExportSegmentPayload,
    NextBestAction,
    RespondToNextBestActionPayload,
    SaveContentPayload,
    SaveSegmentPayload,
    Segment,
    SegmentInput,
)


async def _visible_profile(ctx: Context, profile_id: strawberry.ID) -> ProfileRow:
    """The live profile a query names, refused when this caller may not see it."""
    async with ctx.reading() as session:
        profile = await profiles.get_live(session, str(profile_id))
    if profile is None:
        raise ClientError(f"There is no profile “{profile_id}”.", "NOT_FOUND", ["profileId"])
    if not await ctx.may_see(profile.id):
        raise ClientError(OWN_PROFILE_ONLY, "FORBIDDEN", ["profileId"])
    return profile


@strawberry.type
class SegmentQuery:
    @strawberry.field(
        description="Every segment with its rule (operators).",
        extensions=[PermissionExtension([Allowed(Scope.SEGMENTS)])],
    )
    async def segments(self, info: Info[Context, None]) -> list[Segment]:
        async with info.context.reading() as session:
            rows = await segments.all_segments(session)
        return [Segment.of(r) for r in rows]

    @strawberry.field(
        description="Content items, of one slot or all (operators).",
        extensions=[PermissionExtension([Allowed(Scope.SEGMENTS)])],
    )
    async def content_items(
        self, info: Info[Context, None], slot: str | None = None
    ) -> list[ContentItem]:
        async with info.context.reading() as session:
            rows = await slots.content_items(session, slot.strip().lower() if slot else None)
        return [ContentItem.of(r) for r in rows]

    @strawberry.field(
        description="What a slot shows this shopper (or anybody, without a profile), with why; "
        "null when the slot has nothing live for them.",
        extensions=[PermissionExtension([Allowed(Scope.READ_CATALOG)])],
    )
    async def content(
        self,
        info: Info[Context, None],
        slot: str,
        touchpoint: Touchpoint,
        profile_id: strawberry.ID | None = None,
    ) -> Content | None:
        ctx = info.context
        profile = await _visible_profile(ctx, profile_id) if profile_id is not None else None
        async with ctx.reading() as session:
            picks = await slots.eligible_content(
                session,
                slot.strip().lower(),
                profile,
                touchpoint.value,
                ctx.hub.weights,
                discreet=ctx.masked,
            )
        return Content.of(picks[0], ctx.masked) if picks else None

    @strawberry.field(
        description="What an agent could do for this caller now, best first, each with why.",
        extensions=[PermissionExtension([Allowed(Scope.NEXT_BEST_ACTIONS)])],
    )
    async def next_best_actions(
        self, info: Info[Context, None], profile_id: strawberry.ID, first: int = 5
    ) -> list[NextBestAction]:
        ctx = info.context
        profile = await _visible_profile(ctx, profile_id)
        async with ctx.reading() as session:
            found = await actions.next_best_actions(
                session,
                profile,
                ctx.hub.weights,
                holdout_percent=ctx.settings.holdout_percent,
                first=first,
            )
        await ctx.audit_read(profile.id, "Read next best actions")
        return [NextBestAction.of(a) for a in found]


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(
        description="Create or change a segment; the rule is checked field by field "
        "(docs/segments.md).",
        extensions=[Guard(Scope.SEGMENTS)],
    )
    async def save_segment(
        self, info: Info[Context, None], input: SegmentInput
    ) -> SaveSegmentPayload:
        ctx = info.context
        wanted = segments.SegmentIn(
            name=input.name,
            description=input.description,
            rule=input.rule,
            id=row_number(input.id) if input.id is not None else None,
        )
        actor = ctx.principal.actor if ctx.principal else "unknown"

        async def work(session: AsyncSession) -> Segment:
            return Segment.of(await segments.save_segment(session, wanted, actor))

        saved, errors = await attempt(ctx, work)
        return SaveSegmentPayload(segment=saved, user_errors=errors)

    @strawberry.mutation(
        description="Delete a segment no content targets.", extensions=[Guard(Scope.SEGMENTS)]
    )
    async def delete_segment(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> DeleteSegmentPayload:
        async def work(session: AsyncSession) -> strawberry.ID:
            gone = await segments.delete_segment(session, row_number(id))
            return strawberry.ID(str(gone.id))

        deleted, errors = await attempt(info.context, work)
        return DeleteSegmentPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.mutation(
        description="The segment's members who agreed to this purpose and can be reached that "
        "way, as a CSV or JSON file; only the contact the purpose needs leaves the hub.",
        extensions=[Guard(Scope.SEGMENTS)],
    )
    async def export_segment(
        self,
        info: Info[Context, None],
        segment_id: strawberry.ID,
        purpose: ConsentPurpose,
        format: ExportFormat,
    ) -> ExportSegmentPayload:
        ctx = info.context

        async def work(session: AsyncSession) -> exports.SegmentExport:
            return await exports.export_segment(
                session, row_number(segment_id), purpose, format.value, ctx.hub.weights
            )

        done, errors = await attempt(ctx, work)
        if done is None:
            return ExportSegmentPayload(user_errors=errors)
        return ExportSegmentPayload(
            segment=Segment.of(done.segment),
            purpose=purpose,
            format=format,
            count=done.count,
            excluded_without_consent=done.without_consent,
            excluded_without_contact=done.without_contact,
            data=done.data,
        )

    @strawberry.mutation(
        description="Create or change a content item for a slot.",
        extensions=[Guard(Scope.SEGMENTS)],
    )
    async def save_content(
        self, info: Info[Context, None], input: ContentInput
    ) -> SaveContentPayload:
        wanted = slots.ContentIn(
            id=row_number(input.id) if input.id is not None else None,
            slot=input.slot,
            name=input.name,
            title=input.title,
            body=input.body,
            link=input.link,
            segment_id=row_number(input.segment_id) if input.segment_id is not None else None,
            touchpoints=[t.value for t in input.touchpoints],
            priority=input.priority,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            active=input.active,
        )

        async def work(session: AsyncSession) -> ContentItem:
            return ContentItem.of(await slots.save_content(session, wanted))

        saved, errors = await attempt(info.context, work)
        return SaveContentPayload(content=saved, user_errors=errors)

    @strawberry.mutation(description="Delete a content item.", extensions=[Guard(Scope.SEGMENTS)])
    async def delete_content(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> DeleteContentPayload:
        async def work(session: AsyncSession) -> strawberry.ID:
            gone = await slots.delete_content(session, row_number(id))
            return strawberry.ID(str(gone.id))

        deleted, errors = await attempt(info.context, work)
        return DeleteContentPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.mutation(
        description="The customer took up or declined a next best action; recorded as an event "
        "(NEXT_BEST_ACTION_ACCEPTED / _REJECTED, or RECOMMENDATION_CLICKED / _REJECTED for a "
        "pick) and not offered again for 30 days.",
        extensions=[Guard(Scope.NEXT_BEST_ACTIONS)],
    )
    async def respond_to_next_best_action(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        action_id: strawberry.ID,
        accepted: bool,
        touchpoint: Touchpoint,
        message_id: str | None = None,
    ) -> RespondToNextBestActionPayload:
        ctx = info.context

        async def work(session: AsyncSession) -> actions.Response:
            profile = await profiles.require(session, str(profile_id))
            return await actions.respond(
                session,
                profile,
                str(action_id),
                accepted,
                touchpoint.value,
                ctx.hub.weights,
                holdout_percent=ctx.settings.holdout_percent,
                region=ctx.settings.default_region,
                max_properties=ctx.settings.max_properties_bytes,
                message_id=message_id,
            )

        done, errors = await attempt(ctx, work)
        if done is None:
            return RespondToNextBestActionPayload(user_errors=errors)
        return RespondToNextBestActionPayload(
            accepted=done.accepted, action=NextBestAction.of(done.action), duplicate=done.duplicate
        )
