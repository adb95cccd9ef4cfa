"""createHandoff, claimHandoff, sendList."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.mutation import attempt
from hub.api.permissions import Guard
from hub.handoff import service as handoffs
from hub.handoff.qr import qr_svg
from hub.handoff.service import Claimed, Created, ListSent
from hub.handoff.types import (
    ClaimHandoffPayload,
    CreateHandoffPayload,
    Handoff,
    HandoffItem,
    HandoffKind,
    ListItemInput,
    ListMedium,
    SendListPayload,
)
from hub.identity.types import IdentifierInput
from hub.profiles import service as profiles


@strawberry.type
class HandoffMutation:
    @strawberry.mutation(
        description="Hand a cart or wish list on to another touchpoint: a short code and its "
        "QR code, good once for 30 minutes.",
        extensions=[Guard(Scope.HANDOFF)],
    )
    async def create_handoff(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        kind: HandoffKind,
        items: list[ListItemInput],
        touchpoint: Touchpoint,
    ) -> CreateHandoffPayload:
        wanted = [i.to_domain() for i in items]

        async def work(session: AsyncSession) -> Created:
            profile = await profiles.require(session, str(profile_id))
            return await handoffs.create(session, profile, kind.value, wanted, touchpoint.value)

        created, errors = await attempt(info.context, work)
        if created is None:
            return CreateHandoffPayload(user_errors=errors)
        return CreateHandoffPayload(
            handoff=Handoff(
                code=created.code,
                kind=HandoffKind(created.kind),
                expires_at=created.expires_at,
                qr_svg=qr_svg(created.code),
                items=[HandoffItem.of(i) for i in created.items],
            )
        )

    @strawberry.mutation(
        description="Continue a handed-off list here (the code works once). With the visit's "
        "own anonymous id as `visitor`, this visit joins the shopper's profile.",
        extensions=[Guard(Scope.HANDOFF)],
    )
    async def claim_handoff(
        self,
        info: Info[Context, None],
        code: str,
        touchpoint: Touchpoint,
        visitor: IdentifierInput | None = None,
    ) -> ClaimHandoffPayload:
        ctx = info.context
        who = visitor.to_domain() if visitor else None

        async def work(session: AsyncSession) -> Claimed:
            return await handoffs.claim(
                session, code, touchpoint.value, who, ctx.settings.default_region, ctx.hub.weights
            )

        claimed, errors = await attempt(ctx, work)
        if claimed is None:
            return ClaimHandoffPayload(user_errors=errors)
        return ClaimHandoffPayload(
            kind=HandoffKind(claimed.kind),
            items=[HandoffItem.of(i) for i in claimed.items],
            profile_id=strawberry.ID(claimed.profile.id),
            first_name=claimed.profile.first_name,
        )

    @strawberry.mutation(
        description="Send a list to the shopper's own email or phone on file (a service "
        "message: they ask for it there and then). Refused when none is on file.",
        extensions=[Guard(Scope.HANDOFF)],
    )
    async def send_list(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        items: list[ListItemInput],
        medium: ListMedium,
        touchpoint: Touchpoint,
    ) -> SendListPayload:
        wanted = [i.to_domain() for i in items]

        async def work(session: AsyncSession) -> ListSent:
            profile = await profiles.require(session, str(profile_id))
            return await handoffs.send_list(
                session, profile, wanted, medium.value, touchpoint.value
            )

        sent, errors = await attempt(info.context, work)
        if sent is None:
            return SendListPayload(user_errors=errors)
        return SendListPayload(
            sent=True, medium=ListMedium(sent.medium), masked_recipient=sent.masked_recipient
        )
