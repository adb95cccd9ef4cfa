"""createGiftRegistry, giftRegistry(code), giftRegistries(search), buyFromGiftRegistry."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from hub.actors import Scope
from hub.api.context import Context
from hub.api.enums import Touchpoint
from hub.api.errors import from_domain
from hub.api.mutation import attempt
from hub.api.permissions import Allowed, Guard
from hub.errors import DomainError
from hub.identity.types import IdentifierInput
from hub.profiles import service as profiles
from hub.registry import service as registries
from hub.registry.service import Bought, RegistryIn, RegistryView
from hub.registry.types import (
    BuyFromGiftRegistryPayload,
    CreateGiftRegistryPayload,
    GiftRegistry,
    GiftRegistryInput,
    GiftRegistryItem,
    GiftRegistryMatch,
)


@strawberry.type
class RegistryQuery:
    @strawberry.field(
        description="A gift registry by its code (null when unknown): first name, title, items.",
        extensions=[PermissionExtension([Allowed(Scope.READ_CATALOG)])],
    )
    async def gift_registry(self, info: Info[Context, None], code: str) -> GiftRegistry | None:
        async with info.context.reading() as session:
            view = await registries.find(session, code)
        return GiftRegistry.of(view) if view else None

    @strawberry.field(
        description="Registries by the owner's name or the title (at most 20): first names and "
        "titles only, never contact data.",
        extensions=[PermissionExtension([Allowed(Scope.GIFT_REGISTRY)])],
    )
    async def gift_registries(
        self, info: Info[Context, None], search: str, first: int = 10
    ) -> list[GiftRegistryMatch]:
        try:
            async with info.context.reading() as session:
                found = await registries.search(session, search, first)
        except DomainError as error:
            raise from_domain(error) from error
        return [GiftRegistryMatch.of(m) for m in found]


@strawberry.type
class RegistryMutation:
    @strawberry.mutation(
        description="Open a gift registry for a customer; returns its short code (RAP-7K3Q).",
        extensions=[Guard(Scope.GIFT_REGISTRY)],
    )
    async def create_gift_registry(
        self,
        info: Info[Context, None],
        profile_id: strawberry.ID,
        input: GiftRegistryInput,
        touchpoint: Touchpoint,
    ) -> CreateGiftRegistryPayload:
        wanted = RegistryIn(
            title=input.title,
            occasion=input.occasion,
            event_date=input.event_date,
            items=[i.to_domain() for i in input.items],
        )

        async def work(session: AsyncSession) -> RegistryView:
            owner = await profiles.require(session, str(profile_id))
            return await registries.create(session, owner, wanted, touchpoint.value)

        view, errors = await attempt(info.context, work)
        if view is None:
            return CreateGiftRegistryPayload(user_errors=errors)
        return CreateGiftRegistryPayload(gift_registry=GiftRegistry.of(view))

    @strawberry.mutation(
        description="Buy from a registry: counts against what is still wanted (never more) and, "
        "with the buyer's identifier, records their PURCHASE event with properties.registryCode.",
        extensions=[Guard(Scope.TRACK)],
    )
    async def buy_from_gift_registry(
        self,
        info: Info[Context, None],
        code: str,
        sku: str,
        touchpoint: Touchpoint,
        quantity: int = 1,
        buyer: IdentifierInput | None = None,
        # The sender's id for this buy: a retry with the same id counts once.
        message_id: str | None = None,
    ) -> BuyFromGiftRegistryPayload:
        ctx = info.context
        who = buyer.to_domain() if buyer else None

        async def work(session: AsyncSession) -> Bought:
            return await registries.buy(
                session,
                code,
                sku,
                quantity,
                touchpoint=touchpoint.value,
                buyer=who,
                message_id=message_id,
                region=ctx.settings.default_region,
                weights=ctx.hub.weights,
                max_properties=ctx.settings.max_properties_bytes,
            )

        bought, errors = await attempt(ctx, work)
        if bought is None:
            return BuyFromGiftRegistryPayload(user_errors=errors)
        return BuyFromGiftRegistryPayload(
            gift_registry=GiftRegistry.of(bought.view),
            item=GiftRegistryItem.of(bought.item),
            duplicate=bought.duplicate,
        )
