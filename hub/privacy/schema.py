"""Consent, export and erasure."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.api.enums import ConsentPurpose, Touchpoint
from hub.api.errors import UserError
from hub.api.mutation import attempt
from hub.api.permissions import Guard
from hub.auth.scopes import Scope
from hub.enums import ConsentPurpose as PurposeValue
from hub.enums import Touchpoint as TouchpointValue
from hub.privacy import consent, erasure
from hub.profiles import service as profiles
from hub.profiles.types import Consent, Profile


@strawberry.type
class SetConsentPayload:
    profile: Profile | None = None
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
        info: Info,
        profile_id: strawberry.ID,
        purpose: ConsentPurpose,
        granted: bool,
        touchpoint: Touchpoint,
        expires_at: datetime | None = None,
    ) -> SetConsentPayload:
        ctx = info.context
        what = PurposeValue(purpose)
        where = TouchpointValue(touchpoint).value

        async def work(session):  # type: ignore[no-untyped-def]
            profile = await profiles.require(session, str(profile_id))
            row = await consent.set_consent(
                session, profile.id, what, granted, where, ctx.principal.actor, expires_at
            )
            verb = "granted" if granted else "withdrew"
            await profiles.touch(
                session,
                profile,
                where,
                "CONSENT",
                f"Consent {verb}: {what.value.replace('_', ' ').lower()}",
            )
            return profile, row

        result, errors = await attempt(ctx, work)
        if result is None:
            return SetConsentPayload(user_errors=errors)
        profile, row = result
        return SetConsentPayload(
            profile=Profile.of(profile),
            consent=Consent(
                purpose=what,
                granted=row.granted,
                is_default=False,  # type: ignore[arg-type]
                updated_at=row.updated_at,
                expires_at=row.expires_at,
                touchpoint=row.touchpoint,
            ),
        )

    @strawberry.mutation(
        description="Everything held about a customer (right of access and portability).",
        extensions=[Guard(Scope.EXPORT)],
    )
    async def export_profile(self, info: Info, profile_id: strawberry.ID) -> ExportProfilePayload:
        async def work(session):  # type: ignore[no-untyped-def]
            profile = await profiles.require(session, str(profile_id))
            return await erasure.export(session, profile, masked=info.context.masked)

        document, errors = await attempt(info.context, work)
        if document is not None:
            await info.context.audit_read(document["profile"]["id"], "Exported the profile")
        return ExportProfilePayload(document=document, user_errors=errors)

    @strawberry.mutation(
        description="Erase a customer: personal data deleted in one transaction, identifiers "
        "suppressed so late data does not bring them back.",
        extensions=[Guard(Scope.ERASE)],
    )
    async def erase_profile(self, info: Info, profile_id: strawberry.ID) -> EraseProfilePayload:
        async def work(session):  # type: ignore[no-untyped-def]
            profile = await profiles.require(session, str(profile_id))
            count = await erasure.erase(session, profile)
            await profiles.touch(
                session, profile, TouchpointValue.WEB.value, "ERASED", "Profile erased"
            )
            return count

        count, errors = await attempt(info.context, work)
        if count is None:
            return EraseProfilePayload(user_errors=errors)
        return EraseProfilePayload(erased=True, suppressed_identifiers=count)
