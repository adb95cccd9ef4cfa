"""The shopper's ledger keys (one-time codes → self-service tokens) and the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.errors import UserError, user_errors
from hub.api.mutation import attempt
from hub.api.permissions import Allowed, Guard
from hub.auth.scopes import Scope
from hub.enums import Channel
from hub.errors import DomainError, ErrorCode
from hub.identity import service as identity
from hub.identity.schema import TraitsInput
from hub.identity.types import IdentifierInput
from hub.preferences import service as preferences
from hub.privacy import audit, selfservice
from hub.privacy.models import AuditEntry as AuditRow
from hub.privacy.selfservice import CodeSent, Redeemed
from hub.profiles import service as profiles
from hub.profiles.models import Profile as ProfileRow
from hub.profiles.types import Profile


@strawberry.type
class RequestSelfServiceCodePayload:
    sent: bool = False
    medium: str | None = strawberry.field(default=None, description="EMAIL or SMS")
    masked_recipient: str | None = None
    expires_at: datetime | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RedeemSelfServiceCodePayload:
    token: str | None = strawberry.field(
        default=None, description="Send as the bearer: it reaches only this shopper's profile."
    )
    expires_at: datetime | None = None
    profile_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AuditEntry:
    id: strawberry.ID
    at: datetime
    actor: str
    channel: str
    profile_id: strawberry.ID | None
    action: str
    detail: str

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntry:
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            actor=row.actor,
            channel=row.channel,
            profile_id=strawberry.ID(row.profile_id) if row.profile_id else None,
            action=row.action,
            detail=row.detail,
        )


@strawberry.type
class LedgerQuery:
    @strawberry.field(
        description="Who read or changed a profile, newest first (admins and agents).",
        extensions=[PermissionExtension([Allowed(Scope.AUDIT)])],
    )
    async def audit_log(
        self, info: Info[Context, None], profile_id: strawberry.ID | None = None, first: int = 50
    ) -> list[AuditEntry]:
        async with info.context.reading() as session:
            rows = await audit.entries(
                session, str(profile_id) if profile_id else None, max(1, min(first, 500))
            )
        return [AuditEntry.of(r) for r in rows]


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(
        description="Send the shopper a one-time code (through the outbox) to open their ledger.",
        extensions=[Guard(Scope.SELF_SERVICE)],
    )
    async def request_self_service_code(
        self, info: Info[Context, None], identifier: IdentifierInput
    ) -> RequestSelfServiceCodePayload:
        ctx = info.context
        wanted = identifier.to_domain()

        async def work(session: AsyncSession) -> CodeSent:
            return await selfservice.request_code(session, wanted, ctx.settings.default_region)

        sent, errors = await attempt(ctx, work)
        if sent is None:
            return RequestSelfServiceCodePayload(user_errors=errors)
        return RequestSelfServiceCodePayload(
            sent=True,
            medium=sent.medium,
            masked_recipient=sent.masked_recipient,
            expires_at=sent.expires_at,
        )

    @strawberry.mutation(
        description="Trade the one-time code for a short-lived token to the shopper's profile.",
        extensions=[Guard(Scope.SELF_SERVICE)],
    )
    async def redeem_self_service_code(
        self, info: Info[Context, None], identifier: IdentifierInput, code: str
    ) -> RedeemSelfServiceCodePayload:
        ctx = info.context
        wanted = identifier.to_domain()
        shared = ctx.principal is not None and ctx.principal.channel is Channel.KIOSK

        async def work(session: AsyncSession) -> Redeemed:
            return await selfservice.redeem(
                session,
                wanted,
                code,
                ctx.settings.default_region,
                masked=shared,
                token_minutes=ctx.settings.self_service_token_minutes,
            )

        result, errors = await attempt(ctx, work)
        if result is None:
            return RedeemSelfServiceCodePayload(user_errors=errors)
        if result.problem is not None:
            return RedeemSelfServiceCodePayload(
                user_errors=user_errors(DomainError([result.problem]))
            )
        return RedeemSelfServiceCodePayload(
            token=result.token,
            expires_at=result.expires_at,
            profile_id=strawberry.ID(result.profile_id) if result.profile_id else None,
        )


@strawberry.type
class CorrectionPayload:
    profile: Profile | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CorrectionMutation:
    @strawberry.mutation(
        description="Forget one learned interest; the events that taught it will not again.",
        extensions=[Guard(Scope.WRITE_PREFERENCES)],
    )
    async def forget_interest(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        key: str,
        value: str,
        touchpoint: Touchpoint,
    ) -> CorrectionPayload:
        async def work(session: AsyncSession) -> ProfileRow:
            profile = await profiles.require(session, str(profile_id))
            if not await preferences.forget_interest(
                session, profile.id, key.strip(), value.strip()
            ):
                raise DomainError.one(
                    ("value",),
                    ErrorCode.NOT_FOUND,
                    "Nothing like that was learned about this customer.",
                )
            await profiles.touch(
                session,
                profile,
                touchpoint.value,
                "PREFERENCES",
                f"Forgot a learned interest in {value.strip()[:80]}",
            )
            return profile

        return await _correction(info.context, work)

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
            profile = await profiles.require(session, str(profile_id))
            await identity.remove_identifier(session, profile, wanted, ctx.settings.default_region)
            await profiles.touch(
                session,
                profile,
                touchpoint.value,
                "IDENTIFIED",
                f"Removed a {wanted.kind.value.replace('_', ' ').lower()}",
            )
            return profile

        return await _correction(ctx, work)

    @strawberry.mutation(
        description="Correct the customer's name and other stated details.",
        extensions=[Guard(Scope.WRITE_PREFERENCES)],
    )
    async def update_traits(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        traits: TraitsInput,
        touchpoint: Touchpoint,
    ) -> CorrectionPayload:
        cleaned = traits.to_domain()

        async def work(session: AsyncSession) -> ProfileRow:
            profile = await profiles.require(session, str(profile_id))
            if profiles.apply_traits(profile, profiles.clean_traits(cleaned, ("traits",))):
                await profiles.touch(
                    session, profile, touchpoint.value, "IDENTIFIED", "Details corrected"
                )
            return profile

        return await _correction(info.context, work)


async def _correction(
    ctx: Context, work: Callable[[AsyncSession], Awaitable[ProfileRow]]
) -> CorrectionPayload:
    profile, errors = await attempt(ctx, work)
    if profile is None:
        return CorrectionPayload(user_errors=errors)
    return CorrectionPayload(profile=Profile.of(profile))
