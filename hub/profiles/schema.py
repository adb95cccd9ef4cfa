"""Profile queries and agent notes."""

from __future__ import annotations

import strawberry
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.api.errors import ClientError, UserError, from_domain
from hub.api.mutation import attempt
from hub.api.permissions import OWN_PROFILE_ONLY, Allowed, Guard
from hub.auth.scopes import Scope
from hub.enums import Touchpoint as TouchpointValue
from hub.errors import DomainError, ErrorCode
from hub.identity.normalize import mask_text
from hub.identity.types import IdentifierInput
from hub.profiles import search
from hub.profiles import service as profiles
from hub.profiles.types import Note, Profile

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
    ) -> Profile | None:
        ctx = info.context
        if (id is None) == (identifier is None):
            raise from_domain(
                DomainError.one(("id",), ErrorCode.REQUIRED, "Give either id or identifier.")
            )
        async with ctx.reading() as session:
            try:
                row = await search.lookup(
                    session,
                    str(id) if id else None,
                    identifier.to_domain() if identifier else None,
                    ctx.settings.default_region,
                )
            except DomainError as error:
                raise from_domain(error) from None
        if ctx.principal.profile_id is not None and (
            row is None or not ctx.principal.may_see(row.id)
        ):
            raise ClientError(OWN_PROFILE_ONLY, "FORBIDDEN", ["id"])
        if row is None:
            return None
        # A web site reaches by id only customers it has named; naming by identifier is fine.
        if id is not None and not await ctx.may_see(row.id):
            raise ClientError(NOT_NAMED, "FORBIDDEN", ["id"])
        await ctx.audit_read(row.id, "Opened the profile")
        return Profile.of(row)

    @strawberry.field(
        description="Agents: find customers by name (partial, fuzzy), email, phone, loyalty or "
        "CRM id (exact after normalisation).",
        extensions=[PermissionExtension([Allowed(Scope.SEARCH)])],
    )
    async def search_profiles(self, info: Info, text: str, first: int = 10) -> list[Profile]:
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
        return [Profile.of(r) for r in rows]


@strawberry.type
class AddNotePayload:
    note: Note | None = None
    profile: Profile | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(extensions=[Guard(Scope.NOTES)])
    async def add_note(self, info: Info, profile_id: strawberry.ID, text: str) -> AddNotePayload:
        ctx = info.context
        actor = ctx.principal.actor

        async def work(session):  # type: ignore[no-untyped-def]
            profile = await profiles.require(session, str(profile_id))
            note = await profiles.add_note(
                session, profile, text, actor, TouchpointValue.CALL_CENTER.value
            )
            await profiles.touch(
                session,
                profile,
                TouchpointValue.CALL_CENTER.value,
                "NOTE",
                f"Note added by {ctx.principal.name}",
            )
            return note, profile

        result, errors = await attempt(ctx, work)
        if result is None:
            return AddNotePayload(user_errors=errors)
        note, profile = result
        return AddNotePayload(note=Note.of(note), profile=Profile.of(profile))
