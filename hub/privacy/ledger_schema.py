"""The shopper's ledger keys (one-time codes → self-service tokens) and the audit log.

The corrections the ledger offers are in their domains' schema modules: forgetInterest
(preferences), removeIdentifier (identity), updateTraits (profiles)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub import audit
from hub.actors import Scope
from hub.api.context import Context
from hub.api.errors import UserError, user_errors
from hub.api.mutation import attempt
from hub.api.permissions import Allowed, Guard
from hub.audit import AuditEntry as AuditRow
from hub.errors import DomainError
from hub.identity.types import IdentifierInput
from hub.privacy import selfservice
from hub.privacy.selfservice import CodeSent, Redeemed


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
        shared = ctx.masked  # a kiosk key: the token will reach the shopper on a shared screen

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
