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
from hub.db import utcnow
from hub.profiles import service as profiles


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
        async for change in ctx.hub.broker.subscribe(profile.id):
            expires = ctx.principal.expires_at if ctx.principal else None
            if expires is not None and expires <= utcnow():
                # A token that ran out (an agent's shift, a shopper's ledger visit) stops here.
                raise ClientError("Your sign-in has expired.", "UNAUTHENTICATED")
            yield ProfileChange(
                profile_id=strawberry.ID(change.profile_id),
                version=change.version,
                touchpoint=change.touchpoint,
                kind=change.kind,  # type: ignore[arg-type]
                summary=change.summary,
                merged_into=strawberry.ID(change.merged_into) if change.merged_into else None,
            )
