"""Handoff across touchpoints: a web cart or wish list continued at the kiosk under a short code
(or its QR code), and a list sent to the shopper's own email or phone through the outbox."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hub import shortcodes
from hub.catalog import service as catalog
from hub.catalog.models import Product
from hub.db import utcnow
from hub.enums import IdentifierKind
from hub.errors import DomainError, ErrorCode, Problems
from hub.handoff import repository as repo
from hub.handoff.models import Handoff
from hub.identity import service as identity
from hub.identity.normalize import IdentifierIn, mask
from hub.privacy import outbox
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.weights import Weights

CODE_LENGTH = 6
TTL_MINUTES = 30
MAX_ITEMS = 50
MAX_QUANTITY = 99
MAX_OPEN_PER_PROFILE = 5
MAX_LISTS_PER_WINDOW = 5
LIST_WINDOW_MINUTES = 15
LIST_SUBJECT = "Your list from Rapport"
KINDS = ("CART", "WISHLIST")
_MEDIUM_KIND = {"EMAIL": IdentifierKind.EMAIL, "SMS": IdentifierKind.PHONE}
# Only a visit's own ids may be joined to the profile by a code: never a person's identifier.
_VISITOR_KINDS = frozenset({IdentifierKind.ANONYMOUS_ID, IdentifierKind.DEVICE_ID})
_ANCHOR_ORDER = (
    IdentifierKind.LOYALTY_ID,
    IdentifierKind.EMAIL,
    IdentifierKind.PHONE,
    IdentifierKind.CRM_ID,
    IdentifierKind.ANONYMOUS_ID,
    IdentifierKind.DEVICE_ID,
)


@dataclass(frozen=True)
class ListItem:
    sku: str
    quantity: int


@dataclass(frozen=True)
class ItemView:
    sku: str
    quantity: int
    product: Product | None


@dataclass(frozen=True)
class Created:
    code: str
    kind: str
    expires_at: datetime
    items: list[ItemView]


@dataclass(frozen=True)
class Claimed:
    kind: str
    profile: Profile
    items: list[ItemView]


@dataclass(frozen=True)
class ListSent:
    medium: str
    masked_recipient: str


def _digest(code: str) -> str:
    return hashlib.sha256(f"handoff:{code}".encode()).hexdigest()


def display_code(code: str) -> str:
    """K7QM3P reads more easily as K7Q-M3P."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


async def _items(
    session: AsyncSession, items: Sequence[ListItem], problems: Problems
) -> list[ListItem]:
    if not items:
        problems.add(("items",), ErrorCode.REQUIRED, "The list is empty.")
    if len(items) > MAX_ITEMS:
        problems.add(("items",), ErrorCode.TOO_MANY, f"At most {MAX_ITEMS} items.")
        return []
    known = await catalog.existing_skus(session, {(i.sku or "").strip() for i in items})
    merged: dict[str, int] = {}
    for index, item in enumerate(items):
        sku = (item.sku or "").strip()
        if sku not in known:
            problems.add(("items", str(index), "sku"), ErrorCode.NOT_FOUND, f"No product “{sku}”.")
        elif not 1 <= item.quantity <= MAX_QUANTITY:
            problems.add(
                ("items", str(index), "quantity"),
                ErrorCode.OUT_OF_RANGE,
                f"Between 1 and {MAX_QUANTITY}.",
            )
        else:
            merged[sku] = min(MAX_QUANTITY, merged.get(sku, 0) + item.quantity)
    return [ListItem(sku, quantity) for sku, quantity in merged.items()]


async def _views(session: AsyncSession, items: Sequence[ListItem]) -> list[ItemView]:
    products = await catalog.products(session, {i.sku for i in items})
    return [ItemView(i.sku, i.quantity, products.get(i.sku)) for i in items]


async def create(
    session: AsyncSession,
    profile: Profile,
    kind: str,
    items: Sequence[ListItem],
    touchpoint: str,
) -> Created:
    problems = Problems()
    if kind not in KINDS:
        problems.add(("kind",), ErrorCode.INVALID, "CART or WISHLIST.")
    cleaned = await _items(session, items, problems)
    problems.raise_if_any()
    now = utcnow()
    if await repo.open_count(session, profile.id, now) >= MAX_OPEN_PER_PROFILE:
        raise DomainError.one(
            ("profileId",),
            ErrorCode.TOO_MANY,
            "Too many open handoff codes; use one or wait for them to expire.",
        )
    await repo.purge_expired(session, now - timedelta(days=1))
    for _ in range(20):
        code = shortcodes.new_code(CODE_LENGTH)
        if await repo.by_hash(session, _digest(code)) is None:
            break
    else:
        raise DomainError.one((), ErrorCode.CONFLICT, "No handoff code is free; please try again.")
    expires = now + timedelta(minutes=TTL_MINUTES)
    await repo.add(
        session,
        Handoff(
            code_hash=_digest(code),
            profile_id=profile.id,
            kind=kind,
            items=[{"sku": i.sku, "quantity": i.quantity} for i in cleaned],
            touchpoint=touchpoint,
            created_at=now,
            expires_at=expires,
        ),
    )
    what = "wish list" if kind == "WISHLIST" else "basket"
    await profiles.touch(
        session, profile, touchpoint, "HANDOFF", f"A {what} of {len(cleaned)} items to continue"
    )
    return Created(display_code(code), kind, expires, await _views(session, cleaned))


async def claim(
    session: AsyncSession,
    code: str,
    touchpoint: str,
    visitor: IdentifierIn | None,
    region: str,
    weights: Weights,
) -> Claimed:
    """The list behind a code, once. With the visit's own anonymous id, that visit joins the
    shopper's profile, so what they look at from here on is theirs."""
    typed = shortcodes.cleaned(code)
    if visitor is not None and visitor.kind not in _VISITOR_KINDS:
        raise DomainError.one(
            ("visitor", "kind"), ErrorCode.INVALID, "Only a visit's anonymous or device id."
        )
    handoff = await repo.by_hash(session, _digest(typed)) if len(typed) == CODE_LENGTH else None
    now = utcnow()
    if handoff is None:
        raise DomainError.one(("code",), ErrorCode.NOT_FOUND, "That code is not one we know.")
    if handoff.claimed_at is not None:
        raise DomainError.one(("code",), ErrorCode.CONFLICT, "That code has been used already.")
    if handoff.expires_at <= now:
        raise DomainError.one(("code",), ErrorCode.INVALID, "That code has expired.")
    profile = await profiles.get_live(session, handoff.profile_id)
    if profile is None:
        raise DomainError.one(("code",), ErrorCode.NOT_FOUND, "That code is not one we know.")
    if not await repo.take(session, handoff.id, now, touchpoint):  # claimed meanwhile
        raise DomainError.one(("code",), ErrorCode.CONFLICT, "That code has been used already.")
    if visitor is not None:
        anchor = await _anchor(session, profile)
        if anchor is not None:
            result = await identity.identify(
                session, [anchor, visitor], None, touchpoint, region, weights
            )
            profile = result.profile
    what = "wish list" if handoff.kind == "WISHLIST" else "basket"
    await profiles.touch(session, profile, touchpoint, "HANDOFF", f"Continued a {what} here")
    items = [ListItem(str(i["sku"]), int(i["quantity"])) for i in handoff.items or []]
    return Claimed(handoff.kind, profile, await _views(session, items))


async def _anchor(session: AsyncSession, profile: Profile) -> IdentifierIn | None:
    rows = await identity.identifiers_for(session, [profile.id])
    for kind in _ANCHOR_ORDER:
        row = next((r for r in rows if r.kind == kind.value), None)
        if row is not None:
            return IdentifierIn(kind, row.value)
    return None


async def send_list(
    session: AsyncSession,
    profile: Profile,
    items: Sequence[ListItem],
    medium: str,
    touchpoint: str,
) -> ListSent:
    """A service message the shopper asks for there and then, to their own contact on file."""
    problems = Problems()
    kind = _MEDIUM_KIND.get(medium)
    if kind is None:
        problems.add(("medium",), ErrorCode.INVALID, "EMAIL or SMS.")
    cleaned = await _items(session, items, problems)
    problems.raise_if_any()
    assert kind is not None
    rows = await identity.identifiers_for(session, [profile.id])
    contact = next((r for r in reversed(rows) if r.kind == kind.value), None)
    if contact is None:
        where = "email address" if kind is IdentifierKind.EMAIL else "mobile number"
        raise DomainError.one(
            ("medium",),
            ErrorCode.INVALID,
            f"There is no {where} on file to send the list to.",
        )
    since = utcnow() - timedelta(minutes=LIST_WINDOW_MINUTES)
    recent = await outbox.recent_for(session, profile.id, MAX_LISTS_PER_WINDOW * 4)
    sent_lately = sum(1 for m in recent if m.subject == LIST_SUBJECT and m.created_at > since)
    if sent_lately >= MAX_LISTS_PER_WINDOW:
        raise DomainError.one(
            ("medium",), ErrorCode.TOO_MANY, "Several lists were sent just now; please wait."
        )
    views = await _views(session, cleaned)
    await outbox.enqueue(
        session,
        profile_id=profile.id,
        medium=medium,
        recipient=contact.value,
        purpose=outbox.SERVICE,
        subject=LIST_SUBJECT,
        body=_body(views, short=medium == "SMS"),
    )
    masked = mask(kind, contact.value)
    await profiles.touch(
        session, profile, touchpoint, "HANDOFF", f"A list of {len(views)} items sent to {masked}"
    )
    return ListSent(medium, masked)


def _body(items: Sequence[ItemView], short: bool) -> str:
    lines = []
    for item in items:
        name = item.product.name if item.product else item.sku
        price = f" £{item.product.price:.2f}" if item.product and not short else ""
        lines.append(f"{item.quantity} × {name} ({item.sku}){price}")
    head = "Your list:" if short else "Here is the list you asked us to send you:"
    return "\n".join([head, *lines])
