"""profileChanged: every committed change to one profile, as it happens."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.api.enums import Touchpoint
from hub.api.errors import ClientError
from hub.api.permissions import Allowed
from hub.auth.scopes import Scope
from hub.profiles import service as profiles

# A quiet subscription re-checks its credential this often at the least, and at the latest
# when the authenticator's cache would have: every socket loses its power in the same window.
CREDENTIAL_CHECK_SECONDS = 10.0


@strawberry.type
class ProfileChange:
    profile_id: strawberry.ID
    version: int
    touchpoint: Touchpoint
    kind: str = strawberry.field(
        description="IDENTIFIED, EVENTS, PREFERENCES, CONSENT, NOTE, MERGED, ERASED, …"
    )
    summary: str
    merged_into: strawberry.ID | None = None


@strawberry.type
class RealtimeSubscription:
    @strawberry.subscription(extensions=[PermissionExtension([Allowed(Scope.SUBSCRIBE)])])
    async def profile_changed(
        self, info: Info, profile_id: strawberry.ID
    ) -> AsyncGenerator[ProfileChange, None]:
        ctx = info.context
        async with ctx.hub.db.sessions() as session:
            profile = await profiles.get_live(session, str(profile_id))
        if profile is None or not await ctx.may_see(profile.id):
            raise ClientError(f"There is no profile “{profile_id}”.", "NOT_FOUND", ["profileId"])
        tick = max(0.5, min(CREDENTIAL_CHECK_SECONDS, ctx.settings.auth_cache_seconds))
        async for change in ctx.hub.broker.subscribe(profile.id, tick=tick):
            if not await ctx.still_signed_in():
                # A token that ran out (an agent's shift, a shopper's ledger visit), a signed-out
                # agent or a revoked key: the feed stops, within a tick even when nothing changes.
                raise ClientError("Your sign-in has ended.", "UNAUTHENTICATED")
            if change is None:
                continue
            yield ProfileChange(
                profile_id=strawberry.ID(change.profile_id),
                version=change.version,
                touchpoint=change.touchpoint,
                kind=change.kind,  # type: ignore[arg-type]
                summary=change.summary,
                merged_into=strawberry.ID(change.merged_into) if change.merged_into else None,
            )
