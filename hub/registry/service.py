"""Gift registries: a customer lists what they hope for; guests find it by code or name and buy
from it. Guests see the owner's first name only, and the owner never sees who bought what."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hub import shortcodes
from hub.catalog import service as catalog
from hub.catalog.models import Product
from hub.db import utcnow
from hub.enums import EventType, IdentifierKind
from hub.errors import DomainError, ErrorCode, Problems, clean_text
from hub.events import service as events
from hub.identity.normalize import IdentifierIn, normalize_identifier
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.registry import repository as repo
from hub.registry.models import GiftRegistry, GiftRegistryItem, GiftRegistryPurchase
from hub.weights import Weights

CODE_PREFIX = "RAP"
CODE_LENGTH = 4
MAX_ITEMS = 100
MAX_QUANTITY = 99
MAX_TITLE = 120
MAX_OCCASION = 40
MAX_SEARCH_RESULTS = 20
# A registry stays findable by name for a while after the day (thank-you gifts arrive late).
FINDABLE_AFTER_DAYS = 60
_GUEST_KINDS = frozenset(
    {
        IdentifierKind.ANONYMOUS_ID,
        IdentifierKind.DEVICE_ID,
        IdentifierKind.LOYALTY_ID,
        IdentifierKind.EMAIL,
        IdentifierKind.PHONE,
        IdentifierKind.CRM_ID,
    }
)


@dataclass(frozen=True)
class WantedItem:
    sku: str
    quantity: int


@dataclass(frozen=True)
class RegistryIn:
    title: str
    occasion: str
    event_date: date | None
    items: Sequence[WantedItem]


@dataclass(frozen=True)
class ItemView:
    id: int
    sku: str
    product: Product | None
    wanted: int
    bought: int

    @property
    def remaining(self) -> int:
        return max(0, self.wanted - self.bought)


@dataclass(frozen=True)
class RegistryView:
    """What a guest may see: no surname, no contact data, no buyers."""

    registry: GiftRegistry
    owner_first_name: str | None
    items: list[ItemView]


@dataclass(frozen=True)
class Bought:
    view: RegistryView
    item: ItemView
    duplicate: bool


def normalize_code(text: str) -> str:
    """`rap 7k3q`, `RAP-7K3Q` and `7K3Q` all name registry RAP-7K3Q."""
    code = shortcodes.cleaned(text)
    if code.startswith(CODE_PREFIX) and len(code) == len(CODE_PREFIX) + CODE_LENGTH:
        code = code[len(CODE_PREFIX) :]
    return f"{CODE_PREFIX}-{code}"


async def _wanted(
    session: AsyncSession, items: Sequence[WantedItem], path: tuple[str, ...], problems: Problems
) -> dict[str, int]:
    """Items as sku → quantity (a sku listed twice counts once, with both quantities)."""
    if not items:
        problems.add(path, ErrorCode.REQUIRED, "List at least one item.")
    if len(items) > MAX_ITEMS:
        problems.add(path, ErrorCode.TOO_MANY, f"At most {MAX_ITEMS} items.")
        return {}
    known = await catalog.existing_skus(session, {(i.sku or "").strip() for i in items})
    wanted: dict[str, int] = {}
    for index, item in enumerate(items):
        sku = (item.sku or "").strip()
        if sku not in known:
            problems.add((*path, str(index), "sku"), ErrorCode.NOT_FOUND, f"No product “{sku}”.")
        elif not 1 <= item.quantity <= MAX_QUANTITY:
            problems.add(
                (*path, str(index), "quantity"),
                ErrorCode.OUT_OF_RANGE,
                f"Between 1 and {MAX_QUANTITY}.",
            )
        else:
            wanted[sku] = min(MAX_QUANTITY, wanted.get(sku, 0) + item.quantity)
    return wanted


async def create(
    session: AsyncSession, owner: Profile, wanted: RegistryIn, touchpoint: str
) -> RegistryView:
    problems = Problems()
    if not owner.is_known:
        problems.add(
            ("profileId",),
            ErrorCode.INVALID,
            "A registry needs a customer we know (a card, email or phone), not a visit.",
        )
    title = clean_text(wanted.title, ("input", "title"), MAX_TITLE, problems) or ""
    occasion = clean_text(wanted.occasion, ("input", "occasion"), MAX_OCCASION, problems) or ""
    today = utcnow().date()
    if wanted.event_date is not None and not (
        today <= wanted.event_date <= today + timedelta(days=3 * 366)
    ):
        problems.add(
            ("input", "eventDate"),
            ErrorCode.OUT_OF_RANGE,
            "The day must be between today and three years from now.",
        )
    items = await _wanted(session, wanted.items, ("input", "items"), problems)
    problems.raise_if_any()
    code = await _free_code(session)
    registry = GiftRegistry(
        code=code,
        profile_id=owner.id,
        title=title,
        occasion=occasion.lower(),
        event_date=wanted.event_date,
        touchpoint=touchpoint,
        created_at=utcnow(),
    )
    rows = [
        GiftRegistryItem(sku=sku, wanted=quantity, bought=0, position=index)
        for index, (sku, quantity) in enumerate(items.items())
    ]
    await repo.add(session, registry, rows)
    await profiles.touch(
        session, owner, touchpoint, "REGISTRY", f"Gift registry “{title[:60]}” created ({code})"
    )
    return await _view(session, registry, owner)


async def _free_code(session: AsyncSession) -> str:
    # 29^4 ≈ 700,000 codes; a clash is rare and simply drawn again (the unique index stays
    # the last word if two replicas draw the same code at once: the write is retried).
    for _ in range(20):
        code = f"{CODE_PREFIX}-{shortcodes.new_code(CODE_LENGTH)}"
        if not await repo.code_taken(session, code):
            return code
    raise DomainError.one((), ErrorCode.CONFLICT, "No registry code is free; please try again.")


async def _view(
    session: AsyncSession, registry: GiftRegistry, owner: Profile | None = None
) -> RegistryView:
    if owner is None:
        owner = await profiles.get_live(session, registry.profile_id)
    items = await repo.items_of(session, registry.id)
    products = await catalog.products(session, {i.sku for i in items})
    return RegistryView(
        registry=registry,
        owner_first_name=owner.first_name if owner else None,
        items=[ItemView(i.id, i.sku, products.get(i.sku), i.wanted, i.bought) for i in items],
    )


async def find(session: AsyncSession, code: str) -> RegistryView | None:
    """The registry behind a code; None when unknown or its owner asked to be forgotten."""
    registry = await repo.by_code(session, normalize_code(code))
    if registry is None:
        return None
    owner = await profiles.get_live(session, registry.profile_id)
    if owner is None:
        return None
    return await _view(session, registry, owner)


@dataclass(frozen=True)
class Match:
    registry: GiftRegistry
    owner_first_name: str | None


async def search(session: AsyncSession, text: str, limit: int) -> list[Match]:
    """Registries by the owner's name or the title; guests see first names and titles only."""
    tokens = [t for t in profiles.fold_name(text).replace("%", " ").replace("_", " ").split()]
    if not tokens or sum(len(t) for t in tokens) < 3:
        raise DomainError.one(
            ("search",), ErrorCode.INVALID, "Type at least three letters of a name."
        )
    since = utcnow().date() - timedelta(days=FINDABLE_AFTER_DAYS)
    rows = await repo.search(session, tokens[:4], since, max(1, min(limit, MAX_SEARCH_RESULTS)))
    owners = {p.id: p for p in await profiles.get_many(session, list({r.profile_id for r in rows}))}
    found = []
    for row in rows:
        owner = owners.get(row.profile_id)
        if owner is not None and owner.merged_into_id:
            owner = await profiles.get_live(session, owner.id)
        found.append(Match(row, owner.first_name if owner else None))
    return found


async def buy(
    session: AsyncSession,
    code: str,
    sku: str,
    quantity: int,
    *,
    touchpoint: str,
    buyer: IdentifierIn | None,
    message_id: str | None,
    region: str,
    weights: Weights,
    max_properties: int,
) -> Bought:
    """Count a guest's purchase against the registry, at most what is still wanted.

    With the buyer's identifier the purchase is also their PURCHASE event (with
    `properties.registryCode`), under the same message id, so a retried buy counts once.
    """
    view = await find(session, code)
    if view is None:
        raise DomainError.one(
            ("code",), ErrorCode.NOT_FOUND, "There is no registry with that code."
        )
    registry = view.registry
    message = (message_id or "").strip() or f"registry-{uuid.uuid4().hex}"
    if len(message) > events.MAX_MESSAGE_ID:
        raise DomainError.one(("messageId",), ErrorCode.TOO_LONG, "At most 200 characters.")
    item = next((i for i in view.items if i.sku == (sku or "").strip()), None)
    if item is None:
        raise DomainError.one(("sku",), ErrorCode.NOT_FOUND, "That item is not on this registry.")
    replay = await repo.purchase_by_message(session, message)
    if replay is not None:
        return Bought(view, item, duplicate=True)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError.one(
            ("quantity",), ErrorCode.OUT_OF_RANGE, f"Between 1 and {MAX_QUANTITY}."
        )
    if buyer is not None:
        if buyer.kind not in _GUEST_KINDS:
            raise DomainError.one(("buyer", "kind"), ErrorCode.INVALID, "Not a buyer identifier.")
        try:
            buyer = IdentifierIn(buyer.kind, normalize_identifier(buyer.kind, buyer.value, region))
        except DomainError as error:
            problems = Problems()
            problems.extend(error, ("buyer",))
            problems.raise_if_any()
    bought = await repo.add_bought(session, item.id, quantity)
    if bought is None:
        left = item.remaining
        raise DomainError.one(
            ("quantity",),
            ErrorCode.CONFLICT,
            "Everything on the list of this item has been bought already."
            if left == 0
            else f"Only {left} still wanted; please buy at most {left}.",
        )
    buyer_profile: str | None = None
    if buyer is not None:
        tracked = await events.track(
            session,
            [
                events.EventIn(
                    message_id=message,
                    identifier=buyer,
                    type=EventType.PURCHASE,
                    touchpoint=touchpoint,
                    product_sku=item.sku,
                    quantity=quantity,
                    price=item.product.price if item.product else None,
                    properties={"registryCode": registry.code, "gift": True},
                )
            ],
            region=region,
            weights=weights,
            max_batch=1,
            max_properties=max_properties,
        )
        buyer_profile = tracked.profile_ids[0] if tracked.profile_ids else None
    await repo.add_purchase(
        session,
        GiftRegistryPurchase(
            registry_id=registry.id,
            sku=item.sku,
            quantity=quantity,
            message_id=message,
            buyer_profile_id=buyer_profile,
            touchpoint=touchpoint,
            created_at=utcnow(),
        ),
    )
    try:  # locked, and a merge that committed meanwhile followed (`require`)
        owner: Profile | None = await profiles.require(session, registry.profile_id)
    except DomainError:
        owner = None  # erased
    if owner is not None:
        # The owner's screens hear that something was bought, never by whom.
        await profiles.touch(
            session,
            owner,
            touchpoint,
            "REGISTRY",
            f"A gift was bought from “{registry.title[:60]}”",
        )
    after = ItemView(item.id, item.sku, item.product, item.wanted, bought)
    items = [after if i.sku == item.sku else i for i in view.items]
    return Bought(RegistryView(registry, view.owner_first_name, items), after, duplicate=False)


async def views_owned_by(session: AsyncSession, owner: Profile) -> list[RegistryView]:
    """The customer's own registries with what is still wanted (the 360° view)."""
    return [await _view(session, r, owner) for r in await repo.owned_by(session, [owner.id])]
