"""Consent, export and erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import ConsentPurpose, Touchpoint
from hub.api.errors import UserError
from hub.api.mutation import attempt
from hub.api.permissions import Guard
from hub.enums import ConsentPurpose as PurposeValue
from hub.enums import Touchpoint as TouchpointValue
from hub.privacy import consent, rights
from hub.privacy.models import Consent as ConsentRow
from hub.privacy.types import Consent
from hub.profiles.models import Profile as ProfileRow
from hub.profiles.payloads import ProfileRef


@strawberry.type
class SetConsentPayload:
    profile: ProfileRef | None = None
    consent: Consent | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExportProfilePayload:
    document: JSON | None = strawberry.field(
        default=None, description="Everything held about the customer, as one JSON document."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EraseProfilePayload:
    erased: bool = False
    suppressed_identifiers: int = 0
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="Grant or withdraw consent for one purpose; history is kept.",
        extensions=[Guard(Scope.WRITE_CONSENT)],
    )
    async def set_consent(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        purpose: ConsentPurpose,
        granted: bool,
        touchpoint: Touchpoint,
        expires_at: datetime | None = None,
    ) -> SetConsentPayload:
        ctx = info.context
        what = PurposeValue(purpose)
        where = TouchpointValue(touchpoint).value

        async def work(session: AsyncSession) -> tuple[ProfileRow, ConsentRow]:
            return await consent.change(
                session, str(profile_id), what, granted, where, ctx.principal, expires_at
            )

        result, errors = await attempt(ctx, work)
        if result is None:
            return SetConsentPayload(user_errors=errors)
        profile, row = result
        return SetConsentPayload(
            profile=profile,
            consent=Consent(
                purpose=what,
                granted=row.granted,
                is_default=False,
                updated_at=row.updated_at,
                expires_at=row.expires_at,
                touchpoint=TouchpointValue(row.touchpoint),
            ),
        )

    @strawberry.mutation(
        description="Everything held about a customer (right of access and portability).",
        extensions=[Guard(Scope.EXPORT)],
    )
    async def export_profile(
        self, info: Info[Context, None], profile_id: strawberry.ID
    ) -> ExportProfilePayload:
        ctx = info.context

        async def work(session: AsyncSession) -> dict[str, Any]:
            return await rights.export_profile(session, str(profile_id), ctx.principal)

        document, errors = await attempt(ctx, work)
        return ExportProfilePayload(document=cast(JSON, document), user_errors=errors)

    @strawberry.mutation(
        description="Erase a customer: personal data deleted in one transaction, identifiers "
        "suppressed so late data does not bring them back.",
        extensions=[Guard(Scope.ERASE)],
    )
    async def erase_profile(
        self, info: Info[Context, None], profile_id: strawberry.ID
    ) -> EraseProfilePayload:
        ctx = info.context

        async def work(session: AsyncSession) -> int:
            return await rights.erase_profile(session, str(profile_id), ctx.principal)

        count, errors = await attempt(ctx, work)
        if count is None:
            return EraseProfilePayload(user_errors=errors)
        return EraseProfilePayload(erased=True, suppressed_identifiers=count)
