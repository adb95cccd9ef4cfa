"""What a domain's GraphQL piece needs to answer with the whole profile: the 360° Profile type
named lazily (it lives above the domains, in hub/profile360, and reads the profile row it is
given), and the payload and input the corrections share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub.api.context import Context
from hub.api.errors import UserError
from hub.api.mutation import attempt
from hub.profiles.models import Profile as ProfileRow
from hub.profiles.service import Traits

if TYPE_CHECKING:
    # What a resolver hands the GraphQL Profile type: the row, which that type reads.
    from hub.profiles.models import Profile

ProfileRef = Annotated["Profile", strawberry.lazy("hub.profile360.types")]


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


@strawberry.type
class CorrectionPayload:
    profile: ProfileRef | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    async def after(
        cls, ctx: Context, work: Callable[[AsyncSession], Awaitable[ProfileRow]]
    ) -> CorrectionPayload:
        """Run a correction in one transaction: the corrected profile, or userErrors."""
        profile, errors = await attempt(ctx, work)
        if profile is None:
            return cls(user_errors=errors)
        return cls(profile=profile)
