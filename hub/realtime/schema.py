"""profileChanged: every committed change to one profile, as it happens.

When the hub may have missed changes (its LISTEN connection to PostgreSQL was lost and is
back: a restart, a failover), or a client subscribing again says which version it last saw
(`sinceVersion`) and the profile is past it, the feed says so with a RESYNC carrying the
profile's current version: the client re-reads the profile when that is newer than its own.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.errors import ClientError
from hub.api.permissions import OWN_PROFILE_ONLY, Allowed
from hub.broker import ERASED, RESYNC
from hub.db import unavailable
from hub.profiles import service as profiles

# A quiet subscription re-checks its credential this often at the least, and at the latest
# when the authenticator's cache would have: every socket loses its power in the same window.
CREDENTIAL_CHECK_SECONDS = 10.0


@strawberry.type
class ProfileChange:
    profile_id: strawberry.ID
    version: int
    touchpoint: Touchpoint = strawberry.field(
        description="Where the change was made; on a RESYNC, the subscriber's own touchpoint "
        "(nothing was changed there: the kind says to read the profile again)."
    )
    kind: str = strawberry.field(
        description="IDENTIFIED, EVENTS, PREFERENCES, CONSENT, NOTE, MERGED, ERASED, …; "
        "RESYNC: changes may have been missed, `version` is the profile's current one (re-read "
        "the profile if it is newer than the last version you saw)"
    )
    summary: str
    merged_into: strawberry.ID | None = None


@strawberry.type
class RealtimeSubscription:
    @strawberry.subscription(extensions=[PermissionExtension([Allowed(Scope.SUBSCRIBE)])])
    async def profile_changed(
        self,
        info: Info,
        profile_id: strawberry.ID,
        since_version: Annotated[
            int | None,
            strawberry.argument(
                description="The last version this client saw (subscribing again after a lost "
                "socket): a RESYNC comes first when the profile has moved past it."
            ),
        ] = None,
    ) -> AsyncGenerator[ProfileChange, None]:
        ctx = info.context
        # A check every half cache period, each taking a remembered answer only when it is
        # younger than that: a revoke elsewhere ends the feed within the cache period (a
        # check at a full period on the cache's answer took up to two periods).
        tick = max(0.5, min(CREDENTIAL_CHECK_SECONDS, ctx.settings.auth_cache_seconds / 2))
        # Listening before the profile is read: a change committed in between is then in the
        # version read (so a RESYNC covers it) or in the feed, never in neither.
        feed = ctx.hub.broker.subscribe(str(profile_id), tick=tick)
        try:
            async with ctx.hub.db.sessions() as session:
                profile = await profiles.get_live(session, str(profile_id))
            if profile is None or not await ctx.may_see(profile.id):
                raise ClientError(
                    f"There is no profile “{profile_id}”.", "NOT_FOUND", ["profileId"]
                )
            if profile.id != str(profile_id):
                # An id the customer was merged away from: their changes are the survivor's
                # now. Listening there first, then reading it again, as above.
                feed.follow(profile.id)
                async with ctx.hub.db.sessions() as session:
                    profile = await profiles.get_live(session, profile.id)
                if profile is None:
                    raise ClientError(
                        f"There is no profile “{profile_id}”.", "NOT_FOUND", ["profileId"]
                    )
            here = ctx.principal.touchpoint if ctx.principal is not None else Touchpoint.WEB
            if since_version is not None and profile.version > since_version:
                yield _resync(profile.id, profile.version, here)
            # What the read saw, or the RESYNC said: a change of that version or older may
            # still come through the feed (on PostgreSQL changes come back through LISTEN, so
            # one committed just before this subscription can arrive after it) and is not new.
            seen = profile.version
            async for change in feed:
                try:
                    signed_in = await ctx.still_signed_in(fresh_within=tick)
                except Exception as error:
                    if not unavailable(error):
                        raise
                    signed_in = True  # the database is away: keep the feed, check next tick
                if not signed_in:
                    # A token that ran out (an agent's shift, a shopper's ledger visit), a
                    # signed-out agent or a revoked key: the feed stops, within a tick even
                    # when nothing changes.
                    raise ClientError("Your sign-in has ended.", "UNAUTHENTICATED")
                if change is None:
                    continue
                if change.kind == RESYNC:
                    async with ctx.hub.db.sessions() as session:
                        current = await profiles.get_live(session, change.profile_id)
                        gone = None
                        if current is None:
                            gone = next(
                                iter(await profiles.get_many(session, [change.profile_id])), None
                            )
                    if current is None:
                        # Erased while the hub heard nothing: said as ERASED would have been,
                        # and the feed ends (its last change), whatever profile it was on.
                        yield ProfileChange(
                            profile_id=strawberry.ID(change.profile_id),
                            version=gone.version if gone is not None else 0,
                            touchpoint=here,
                            kind=ERASED,
                            summary="Profile erased",
                        )
                        return
                    if current.id != change.profile_id:
                        feed.follow(current.id)  # merged meanwhile: the customer lives on there
                    if current.id == profile.id:
                        seen = max(seen, current.version)
                    yield _resync(change.profile_id, current.version, here, current.id)
                    continue
                if change.profile_id == profile.id:
                    if change.version <= seen:
                        continue
                    seen = change.version
                if not await _still_reaches(ctx, change.profile_id):
                    # A shopper's token whose profile was merged into another: it reads
                    # neither now (hub/web/access.py), so it hears neither either.
                    raise ClientError(OWN_PROFILE_ONLY, "FORBIDDEN", ["profileId"])
                yield ProfileChange(
                    profile_id=strawberry.ID(change.profile_id),
                    version=change.version,
                    touchpoint=change.touchpoint,
                    kind=change.kind,  # type: ignore[arg-type]
                    summary=change.summary,
                    merged_into=strawberry.ID(change.merged_into) if change.merged_into else None,
                )
                if change.kind == ERASED:
                    return  # nothing more will ever happen to this profile: the feed completes
        finally:
            feed.close()


async def _still_reaches(ctx: Context, profile_id: str) -> bool:
    """Whether a change to `profile_id` is the caller's to hear: always, except for a token
    bound to one profile (self-service), asked again once the feed reaches another id."""
    principal = ctx.principal
    if principal is None or principal.profile_id is None or principal.profile_id == profile_id:
        return True
    return await ctx.may_see(profile_id)


def _resync(
    profile_id: str, version: int, here: Touchpoint, live_id: str | None = None
) -> ProfileChange:
    return ProfileChange(
        profile_id=strawberry.ID(profile_id),
        version=version,
        touchpoint=here,
        kind=RESYNC,
        summary="Changes may have been missed: read the profile again if this version is newer.",
        # Merged meanwhile: where the customer lives on (whose version `version` is).
        merged_into=strawberry.ID(live_id) if live_id and live_id != profile_id else None,
    )
