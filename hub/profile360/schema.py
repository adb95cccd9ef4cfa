"""Profile queries, agent notes and corrections of the customer's stated details."""

from __future__ import annotations

from typing import Annotated, Any, cast

import strawberry
from graphql import (
    FieldNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.errors import ClientError, UserError, from_domain
from hub.api.limits import selected_fields
from hub.api.mutation import attempt
from hub.api.permissions import OWN_PROFILE_ONLY, Allowed, Guard
from hub.db import utcnow
from hub.errors import DomainError, ErrorCode
from hub.identity import search
from hub.identity.types import IdentifierInput
from hub.masks import mask_text
from hub.profile360 import facts, loaders, reading
from hub.profile360.facts import PartKey
from hub.profile360.types import MAX_EVENTS, Note
from hub.profiles import service as profiles
from hub.profiles.models import Profile as ProfileRow
from hub.profiles.payloads import CorrectionPayload, ProfileRef, TraitsInput

NOT_NAMED = "This key has not named that customer (identify them first)."

# The Profile fields whose answers are one of the bundle's parts (recentEvents: see below).
_PART_OF_FIELD = {
    "identifiers": facts.IDENTIFIERS,
    "displayName": facts.IDENTIFIERS,
    "preferences": facts.PREFERENCES,
    "consents": facts.CONSENTS,
}


def parts_asked(info: Info) -> list[PartKey]:
    """The parts the selection under this field will ask for (part keys without the profile
    id), read from the document; `recentEvents` only without a `types` filter. A part missed
    here is loaded when its field asks, and one read for a skipped field is not shown: this
    saves a trip and decides nothing."""
    raw = info._raw_info
    # The coerced values (graphql-core 3.3 wraps them with their sources).
    variables: Any = getattr(raw.variable_values, "coerced", raw.variable_values)
    profile = get_named_type(raw.return_type)
    fields = getattr(profile, "fields", {})
    wanted: list[PartKey] = []

    def _part_of(node: FieldNode) -> PartKey | None:
        name = node.name.value
        if name != "recentEvents":
            kind = _PART_OF_FIELD.get(name)
            return (kind,) if kind is not None else None
        field = fields.get(name)
        declared = field.args.get("first") if field is not None else None
        first = declared.default_value if declared is not None else None
        for argument in node.arguments or ():
            value = _value_of(argument.value)
            if argument.name.value == "first":
                first = value
            elif argument.name.value != "types" or value:  # filtered by type: not read here
                return None
        if not isinstance(first, int) or isinstance(first, bool):
            return None
        return (facts.EVENTS, max(0, min(first, MAX_EVENTS)), ())

    def _value_of(value: ValueNode) -> Any:
        """An argument's literal or variable value as far as is needed here (an int, or
        whether a list is empty); anything else is `...`, which asks for nothing."""
        if isinstance(value, VariableNode):
            return variables.get(value.name.value)
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, NullValueNode):
            return None
        if isinstance(value, ListValueNode):
            return list(value.values)
        return ...

    for field_node in raw.field_nodes:
        for node in selected_fields(field_node.selection_set, raw.fragments):
            part = _part_of(node)
            if part is not None and part not in wanted:
                wanted.append(part)
    return wanted


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
        parts: dict[PartKey, Any] = {}
        async with ctx.reading() as session:
            try:
                # By identifier: the profile as plain facts, no ORM object (the Profile type
                # reads attributes only; hub/profile360/reading.py), with the parts its
                # fields will ask for read in the same trip.
                if identifier is not None:
                    row, parts = await reading.lookup_with_parts(
                        session,
                        identifier.to_domain(),
                        ctx.settings.default_region,
                        parts_asked(info),
                        ctx.hub.weights,
                        utcnow(),
                    )
                else:
                    row = await reading.lookup(session, str(id), None, ctx.settings.default_region)
            except DomainError as error:
                raise from_domain(error) from None
        if ctx.outside_own_profile(row.id if row is not None else None):
            raise ClientError(OWN_PROFILE_ONLY, "FORBIDDEN", ["id"])
        if row is None:
            return None
        # A web site reaches by id only customers it has named; naming by identifier is fine.
        if id is not None and not await ctx.may_see(row.id):
            raise ClientError(NOT_NAMED, "FORBIDDEN", ["id"])
        await ctx.audit_read(row.id, "Opened the profile")  # a write: the loaders start afresh
        if parts:
            loaders.profile_parts(ctx).prime_many(parts)
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
    duplicate: bool = strawberry.field(
        default=False,
        description="True when this messageId's note was stored before: nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(extensions=[Guard(Scope.NOTES)])
    async def add_note(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        text: str,
        message_id: Annotated[
            str | None,
            strawberry.argument(
                description="The client's id for this note (as an event's messageId): sent "
                "again after a lost answer, it is stored once."
            ),
        ] = None,
    ) -> AddNotePayload:
        ctx = info.context

        async def work(session: AsyncSession) -> profiles.NoteAdded:
            return await profiles.add_note(
                session, str(profile_id), text, ctx.principal, message_id
            )

        added, errors = await attempt(ctx, work)
        if added is None:
            return AddNotePayload(user_errors=errors)
        return AddNotePayload(
            note=Note.of(added.note), profile=added.profile, duplicate=added.duplicate
        )


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
