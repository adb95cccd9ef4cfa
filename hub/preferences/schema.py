"""setPreferences: what the customer tells us, at any touchpoint."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from hub.api.enums import Touchpoint
from hub.api.errors import UserError
from hub.api.mutation import attempt
from hub.api.permissions import Guard
from hub.auth.scopes import Scope
from hub.enums import Touchpoint as TouchpointValue
from hub.preferences import service as preferences
from hub.profiles import service as profiles
from hub.profiles.types import Profile


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
    profile: Profile | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PreferenceMutation:
    @strawberry.mutation(
        description="Record stated likes and dislikes (check boxes, survey answers); all or none.",
        extensions=[Guard(Scope.WRITE_PREFERENCES)],
    )
    async def set_preferences(
        self,
        info: Info,
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

        async def work(session):  # type: ignore[no-untyped-def]
            profile = await profiles.require(session, str(profile_id))
            stored = await preferences_service.set_preferences(session, profile.id, where, changes)
            said = ", ".join(
                f"{'likes' if c.like else 'dislikes'} {c.value}" for c in changes if not c.remove
            )
            removed = len([c for c in changes if c.remove])
            summary = (
                "Preferences: "
                + (said or "")
                + (f"{'; ' if said else ''}{removed} forgotten" if removed else "")
            )
            await profiles.touch(session, profile, where, "PREFERENCES", summary[:300])
            return profile, stored

        result, errors = await attempt(ctx, work)
        if result is None:
            return SetPreferencesPayload(user_errors=errors)
        return SetPreferencesPayload(profile=Profile.of(result[0]))


preferences_service = preferences
