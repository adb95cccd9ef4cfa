"""identify: recognise a customer from what a touchpoint knows."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from hub.api.enums import Touchpoint
from hub.api.errors import UserError
from hub.api.mutation import attempt
from hub.api.permissions import Guard
from hub.auth.scopes import Scope
from hub.enums import Touchpoint as TouchpointValue
from hub.identity import service as identity
from hub.identity.types import IdentifierInput
from hub.profiles.service import Traits
from hub.profiles.types import Profile


@strawberry.input(description="What the customer told us about themselves; all optional.")
class TraitsInput:
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = strawberry.field(default=None, description="Mr, Mrs, Ms, Dr, …")
    postcode: str | None = None
    preferred_store: str | None = None

    def to_domain(self) -> Traits:
        return Traits(
            self.first_name, self.last_name, self.title, self.postcode, self.preferred_store
        )


@strawberry.input
class IdentifyInput:
    identifiers: list[IdentifierInput]
    traits: TraitsInput | None = None
    touchpoint: Touchpoint


@strawberry.type
class IdentifyPayload:
    profile: Profile | None = None
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
    async def identify(self, info: Info, input: IdentifyInput) -> IdentifyPayload:
        ctx = info.context
        wanted = [i.to_domain() for i in input.identifiers]
        traits = input.traits.to_domain() if input.traits else None

        async def work(session):  # type: ignore[no-untyped-def]
            return await identity.identify(
                session,
                wanted,
                traits,
                TouchpointValue(input.touchpoint).value,
                ctx.settings.default_region,
                ctx.hub.weights,
            )

        result, errors = await attempt(ctx, work)
        if result is None:
            return IdentifyPayload(user_errors=errors)
        return IdentifyPayload(
            profile=Profile.of(result.profile),
            merged=result.merged,
            created=result.created,
            conflicts=len(result.conflicts),
        )
