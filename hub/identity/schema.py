"""identify: recognise a customer from what a touchpoint knows."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import IdentifierKind, Touchpoint
from hub.api.errors import UserError
from hub.api.mutation import attempt
from hub.api.permissions import Allowed, Guard
from hub.enums import Touchpoint as TouchpointValue
from hub.identity import corrections, duplicates, stewardship
from hub.identity import service as identity
from hub.identity.models import Merge
from hub.identity.types import IdentifierInput, MergeRecord
from hub.ids import row_number
from hub.profiles.models import Profile as ProfileRow
from hub.profiles.payloads import CorrectionPayload, ProfileRef, TraitsInput


@strawberry.input
class IdentifyInput:
    identifiers: list[IdentifierInput]
    traits: TraitsInput | None = None
    touchpoint: Touchpoint


@strawberry.type
class IdentifyPayload:
    profile: ProfileRef | None = None
    merged: bool = False
    created: bool = False
    conflicts: int = strawberry.field(
        default=0, description="Shared-device identifiers left unjoined for agent review."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Link identifiers to one profile, merging profiles they point at.",
        extensions=[Guard(Scope.IDENTIFY)],
    )
    async def identify(self, info: Info[Context, None], input: IdentifyInput) -> IdentifyPayload:
        ctx = info.context
        wanted = [i.to_domain() for i in input.identifiers]
        traits = input.traits.to_domain() if input.traits else None

        async def work(session: AsyncSession) -> identity.IdentifyResult:
            return await identity.identify(
                session,
                wanted,
                traits,
                TouchpointValue(input.touchpoint).value,
                ctx.settings.default_region,
                ctx.hub.weights,
                by=ctx.principal,
            )

        result, errors = await attempt(ctx, work)
        if result is None:
            return IdentifyPayload(user_errors=errors)
        return IdentifyPayload(
            profile=result.profile,
            merged=result.merged,
            created=result.created,
            conflicts=len(result.conflicts),
        )


@strawberry.type
class IdentityCorrectionMutation:
    @strawberry.mutation(
        description="Take one identifier off a profile (the customer's own token or an agent).",
        extensions=[Guard(Scope.CORRECT_IDENTITY)],
    )
    async def remove_identifier(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        identifier: IdentifierInput,
        touchpoint: Touchpoint,
    ) -> CorrectionPayload:
        ctx = info.context
        wanted = identifier.to_domain()

        async def work(session: AsyncSession) -> ProfileRow:
            return await corrections.remove_identifier(
                session,
                str(profile_id),
                wanted,
                ctx.settings.default_region,
                touchpoint.value,
                ctx.principal,
            )

        return await CorrectionPayload.after(ctx, work)


@strawberry.type(description="A shared-device identifier seen with two known customers.")
class IdentityConflict:
    id: strawberry.ID
    kind: IdentifierKind
    value: str
    profile_ids: list[strawberry.ID]
    touchpoint: Touchpoint
    status: str
    created_at: datetime


@strawberry.type
class SplitProfilePayload:
    survivor: ProfileRef | None = None
    restored: ProfileRef | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LinkProfilesPayload:
    profile: ProfileRef | None = None
    merges: list[MergeRecord] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StewardshipQuery:
    @strawberry.field(
        description="Open shared-device conflicts for agent review, newest first.",
        extensions=[PermissionExtension([Allowed(Scope.IDENTITY_STEWARD)])],
    )
    async def identity_conflicts(
        self, info: Info[Context, None], first: int = 50
    ) -> list[IdentityConflict]:
        async with info.context.reading() as session:
            rows = await identity.open_conflicts(session, max(1, min(first, 200)))
        return [
            IdentityConflict(
                id=strawberry.ID(str(r.id)),
                kind=IdentifierKind(r.kind),
                value=r.value,
                profile_ids=[strawberry.ID(p) for p in r.profile_ids],
                touchpoint=Touchpoint(r.touchpoint),
                status=r.status,
                created_at=r.created_at,
            )
            for r in rows
        ]


@strawberry.type
class StewardshipMutation:
    @strawberry.mutation(
        description="Undo a merge from the journal: each profile gets back exactly what it had.",
        extensions=[Guard(Scope.IDENTITY_STEWARD)],
    )
    async def split_profile(
        self, info: Info[Context, None], merge_id: strawberry.ID
    ) -> SplitProfilePayload:
        ctx = info.context

        async def work(session: AsyncSession) -> stewardship.SplitResult:
            return await stewardship.split_profile(
                session, str(merge_id), TouchpointValue.CALL_CENTER.value, ctx.hub.weights
            )

        result, errors = await attempt(ctx, work)
        if result is None:
            return SplitProfilePayload(user_errors=errors)
        return SplitProfilePayload(survivor=result.survivor, restored=result.restored)

    @strawberry.mutation(
        description="Join profiles an agent confirms are one person (merge journal kept).",
        extensions=[Guard(Scope.IDENTITY_STEWARD)],
    )
    async def link_profiles(
        self, info: Info[Context, None], profile_ids: list[strawberry.ID]
    ) -> LinkProfilesPayload:
        ctx = info.context
        actor = ctx.principal.actor if ctx.principal else "unknown"

        async def work(session: AsyncSession) -> tuple[ProfileRow, list[Merge]]:
            return await stewardship.link_profiles(
                session,
                [str(p) for p in profile_ids],
                TouchpointValue.CALL_CENTER.value,
                actor,
                ctx.hub.weights,
            )

        result, errors = await attempt(ctx, work)
        if result is None:
            return LinkProfilesPayload(user_errors=errors)
        return LinkProfilesPayload(profile=result[0], merges=[MergeRecord.of(m) for m in result[1]])


@strawberry.type(description="Two profiles that may be one person, with the evidence.")
class PossibleDuplicate:
    id: strawberry.ID
    reason: str = strawberry.field(
        description="SAME_NAME_AND_POSTCODE, SIMILAR_EMAIL or SHARED_DEVICE"
    )
    evidence: JSON
    created_at: datetime
    profile_ids: list[strawberry.ID]


@strawberry.type
class DismissDuplicatePayload:
    dismissed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DuplicatesQuery:
    @strawberry.field(
        description="Possible duplicates waiting for an agent, newest first.",
        extensions=[PermissionExtension([Allowed(Scope.IDENTITY_STEWARD)])],
    )
    async def possible_duplicates(
        self, info: Info[Context, None], first: int = 50
    ) -> list[PossibleDuplicate]:
        async with info.context.reading() as session:
            rows = await duplicates.queue(session, max(1, min(first, 200)))
        return [
            PossibleDuplicate(
                id=strawberry.ID(str(r.id)),
                reason=r.reason,
                evidence=cast(JSON, r.evidence),
                created_at=r.created_at,
                profile_ids=[strawberry.ID(r.profile_a), strawberry.ID(r.profile_b)],
            )
            for r in rows
        ]


@strawberry.type
class DuplicatesMutation:
    @strawberry.mutation(
        description="An agent decides two profiles are different people.",
        extensions=[Guard(Scope.IDENTITY_STEWARD)],
    )
    async def dismiss_duplicate(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> DismissDuplicatePayload:
        ctx = info.context
        actor = ctx.principal.actor if ctx.principal else "unknown"
        candidate = row_number(id)  # -1 (found nowhere) for what is no row id the store holds

        async def work(session: AsyncSession) -> bool:
            await duplicates.dismiss(session, candidate, actor)
            return True

        done, errors = await attempt(ctx, work)
        return DismissDuplicatePayload(dismissed=bool(done), user_errors=errors)
