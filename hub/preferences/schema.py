"""setPreferences: what the customer tells us, at any touchpoint; forgetInterest: their
correction of what we learned."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.errors import UserError
from hub.api.mutation import attempt
from hub.api.permissions import Guard
from hub.enums import Touchpoint as TouchpointValue
from hub.preferences import service as preferences_service
from hub.preferences.models import Preference as PreferenceRow
from hub.profiles.models import Profile as ProfileRow
from hub.profiles.payloads import CorrectionPayload, ProfileRef


@strawberry.input
class PreferenceInput:
    key: str = strawberry.field(description="A facet: category, theme, product, size, occasion…")
    value: str
    like: bool = strawberry.field(default=True, description="false records a dislike.")
    remove: bool = strawberry.field(default=False, description="Forget this preference.")
    question: str | None = strawberry.field(
        default=None, description="Survey question id, when this is a survey answer."
    )


@strawberry.type
class SetPreferencesPayload:
    profile: ProfileRef | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PreferenceMutation:
    @strawberry.mutation(
        description="Record stated likes and dislikes (check boxes, survey answers); all or none.",
        extensions=[Guard(Scope.WRITE_PREFERENCES)],
    )
    async def set_preferences(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        touchpoint: Touchpoint,
        preferences: list[PreferenceInput],
    ) -> SetPreferencesPayload:
        ctx = info.context
        where = TouchpointValue(touchpoint).value
        changes = [
            preferences_service.PreferenceChange(p.key, p.value, p.like, p.remove, p.question)
            for p in preferences
        ]

        async def work(session: AsyncSession) -> tuple[ProfileRow, list[PreferenceRow]]:
            return await preferences_service.set_preferences(
                session, str(profile_id), where, changes, ctx.principal
            )

        result, errors = await attempt(ctx, work)
        if result is None:
            return SetPreferencesPayload(user_errors=errors)
        return SetPreferencesPayload(profile=result[0])


@strawberry.type
class PreferenceCorrectionMutation:
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
        ctx = info.context

        async def work(session: AsyncSession) -> ProfileRow:
            return await preferences_service.forget_interest(
                session, str(profile_id), key, value, touchpoint.value, ctx.principal
            )

        return await CorrectionPayload.after(ctx, work)
