"""Profile queries, agent notes and corrections of the customer's stated details."""

from __future__ import annotations

from typing import cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.errors import ClientError, UserError, from_domain
from hub.api.mutation import attempt
from hub.api.permissions import OWN_PROFILE_ONLY, Allowed, Guard
from hub.errors import DomainError, ErrorCode
from hub.identity import search
from hub.identity.types import IdentifierInput
from hub.masks import mask_text
from hub.profile360 import reading
from hub.profile360.types import Note
from hub.profiles import service as profiles
from hub.profiles.models import Note as NoteRow
from hub.profiles.models import Profile as ProfileRow
from hub.profiles.payloads import CorrectionPayload, ProfileRef, TraitsInput

NOT_NAMED = "This key has not named that customer (identify them first)."


@strawberry.type
class ProfileQuery:
    @strawberry.field(
        description="A profile by id (merged ids lead to the survivor) or by identifier; "
        "null when unknown.",
        extensions=[PermissionExtension([Allowed(Scope.READ_PROFILE)])],
    )
    async def profile(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        identifier: IdentifierInput | None = None,
    ) -> ProfileRef | None:
        ctx = info.context
        if (id is None) == (identifier is None):
            raise from_domain(
                DomainError.one(("id",), ErrorCode.REQUIRED, "Give either id or identifier.")
            )
        async with ctx.reading() as session:
            try:
                # By identifier: the profile as plain facts, no ORM object (the Profile type
                # reads attributes only; hub/profile360/reading.py).
                row = await reading.lookup(
                    session,
                    str(id) if id else None,
                    identifier.to_domain() if identifier else None,
                    ctx.settings.default_region,
                )
            except DomainError as error:
                raise from_domain(error) from None
        if ctx.outside_own_profile(row.id if row is not None else None):
            raise ClientError(OWN_PROFILE_ONLY, "FORBIDDEN", ["id"])
        if row is None:
            return None
        # A web site reaches by id only customers it has named; naming by identifier is fine.
        if id is not None and not await ctx.may_see(row.id):
            raise ClientError(NOT_NAMED, "FORBIDDEN", ["id"])
        await ctx.audit_read(row.id, "Opened the profile")
        # The ORM row, or facts.ProfileFacts with the same columns: the type reads either.
        return cast(ProfileRow, row)

    @strawberry.field(
        description="Agents: find customers by name (partial, fuzzy), email, phone, loyalty or "
        "CRM id (exact after normalisation).",
        extensions=[PermissionExtension([Allowed(Scope.SEARCH)])],
    )
    async def search_profiles(self, info: Info, text: str, first: int = 10) -> list[ProfileRef]:
        ctx = info.context
        async with ctx.reading() as session:
            try:
                rows = await search.search(
                    session, text, max(1, min(first, 50)), ctx.settings.default_region
                )
            except DomainError as error:
                raise from_domain(error) from None
        await ctx.audit_read(
            [row.id for row in rows],
            f"Found by a search for “{mask_text(text[:80])}”",
            action="SEARCH",
        )
        return list(rows)


@strawberry.type
class AddNotePayload:
    note: Note | None = None
    profile: ProfileRef | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(extensions=[Guard(Scope.NOTES)])
    async def add_note(
        self, info: Info[Context, None], profile_id: strawberry.ID, text: str
    ) -> AddNotePayload:
        ctx = info.context

        async def work(session: AsyncSession) -> tuple[NoteRow, ProfileRow]:
            return await profiles.add_note(session, str(profile_id), text, ctx.principal)

        result, errors = await attempt(ctx, work)
        if result is None:
            return AddNotePayload(user_errors=errors)
        note, profile = result
        return AddNotePayload(note=Note.of(note), profile=profile)


@strawberry.type
class ProfileCorrectionMutation:
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
        ctx = info.context
        cleaned = traits.to_domain()

        async def work(session: AsyncSession) -> ProfileRow:
            return await profiles.correct_traits(
                session, str(profile_id), cleaned, touchpoint.value, ctx.principal
            )

        return await CorrectionPayload.after(ctx, work)
