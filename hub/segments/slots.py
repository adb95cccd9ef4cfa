"""Content slots: items an operator places in a slot, for everyone or for a segment's
members, and the ones a shopper may see right now, each with why."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.enums import ConsentPurpose
from hub.errors import DomainError, ErrorCode, Problems, check_storable_time, clean_text
from hub.privacy import consent
from hub.profiles.models import Profile
from hub.segments import repository as repo
from hub.segments.models import ContentItem, Segment
from hub.segments.service import MAX_NAME, compile_segment, memberships
from hub.weights import Weights

MAX_SLOT = 60
MAX_TITLE = 200
MAX_BODY = 2000
MAX_LINK = 500
NEXT_BEST_ACTION_SLOT = "next-best-action"


@dataclass(frozen=True)
class ContentIn:
    slot: str
    name: str
    title: str
    body: str = ""
    link: str | None = None
    segment_id: int | None = None
    touchpoints: Sequence[str] = ()
    priority: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    active: bool = True
    id: int | None = None


@dataclass(frozen=True)
class ContentPick:
    item: ContentItem
    segment: Segment | None
    reason: str


def _slot(value: str, problems: Problems) -> str:
    slot = (value or "").strip().lower()
    if not slot:
        problems.add(("input", "slot"), ErrorCode.REQUIRED, "Please name the slot.")
    elif len(slot) > MAX_SLOT or not all(ch.isalnum() or ch in "-_." for ch in slot):
        problems.add(
            ("input", "slot"),
            ErrorCode.INVALID,
            f"A slot is a short name of letters, digits and - _ . (at most {MAX_SLOT}).",
        )
    return slot


def _utc(at: datetime | None) -> datetime | None:
    """A time as the store reads it: one sent without a zone is UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


async def save_content(session: AsyncSession, wanted: ContentIn) -> ContentItem:
    problems = Problems()
    starts_at, ends_at = _utc(wanted.starts_at), _utc(wanted.ends_at)
    check_storable_time(starts_at, ("input", "startsAt"), problems)
    check_storable_time(ends_at, ("input", "endsAt"), problems)
    times_stored = not problems.items  # the first checks: two such times may be compared
    slot = _slot(wanted.slot, problems)
    name = clean_text(wanted.name, ("input", "name"), MAX_NAME, problems, required=True)
    title = clean_text(wanted.title, ("input", "title"), MAX_TITLE, problems, required=True)
    body = (wanted.body or "").strip()
    if len(body) > MAX_BODY:
        problems.add(("input", "body"), ErrorCode.TOO_LONG, f"At most {MAX_BODY} characters.")
    link = (wanted.link or "").strip() or None
    if link is not None and (
        len(link) > MAX_LINK
        or not link.startswith(("https://", "http://", "/"))
        # `//host` and `/\host` are other sites to a browser, not paths on this one.
        or link.startswith(("//", "/\\"))
        or any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in link)
    ):
        problems.add(
            ("input", "link"),
            ErrorCode.INVALID,
            "A link is a web address (https://…) or a path on the site (/…).",
        )
    if times_stored and starts_at and ends_at and ends_at <= starts_at:
        problems.add(("input", "endsAt"), ErrorCode.OUT_OF_RANGE, "Ends before it starts.")
    if not -1000 <= wanted.priority <= 1000:
        problems.add(("input", "priority"), ErrorCode.OUT_OF_RANGE, "From -1000 to 1000.")
    if wanted.segment_id is not None and await repo.segment(session, wanted.segment_id) is None:
        problems.add(("input", "segmentId"), ErrorCode.NOT_FOUND, "No segment has this id.")
    item = await repo.content_item(session, wanted.id) if wanted.id is not None else None
    if wanted.id is not None and item is None:
        problems.add(("input", "id"), ErrorCode.NOT_FOUND, "No content item has this id.")
    problems.raise_if_any()
    now = utcnow()
    if item is None:
        item = ContentItem(created_at=now)
        session.add(item)
    item.slot = slot
    item.name = name or ""
    item.title = title or ""
    item.body = body
    item.link = link
    item.segment_id = wanted.segment_id
    item.touchpoints = sorted(set(wanted.touchpoints))
    item.priority = wanted.priority
    item.starts_at = starts_at
    item.ends_at = ends_at
    item.active = wanted.active
    item.updated_at = now
    await session.flush()
    return item


async def delete_content(session: AsyncSession, item_id: int) -> ContentItem:
    item = await repo.content_item(session, item_id)
    if item is None:
        raise DomainError.one(("id",), ErrorCode.NOT_FOUND, "No content item has this id.")
    await session.delete(item)
    await session.flush()
    return item


async def content_items(session: AsyncSession, slot: str | None) -> list[ContentItem]:
    return await repo.content_in(session, slot)


async def segments_of(session: AsyncSession, items: Sequence[ContentItem]) -> dict[int, Segment]:
    return await repo.segments_by_id(
        session, sorted({i.segment_id for i in items if i.segment_id is not None})
    )


async def eligible_content(
    session: AsyncSession,
    slot: str,
    profile: Profile | None,
    touchpoint: str,
    weights: Weights,
    discreet: bool = False,
) -> list[ContentPick]:
    """The slot's live items this shopper may see, best first, each with why.

    Targeted items need PERSONALIZATION consent and membership; untargeted ones are shown to
    everyone ("Shown to every visitor").
    """
    now = utcnow()
    items = [
        i
        for i in await repo.content_in(session, slot)
        if i.active
        and (not i.touchpoints or touchpoint in i.touchpoints)
        and (i.starts_at is None or i.starts_at <= now)
        and (i.ends_at is None or now < i.ends_at)
    ]
    targeted = await segments_of(session, items)
    personal = False
    if profile is not None and targeted:
        personal = (await consent.allowed(session, [profile.id], ConsentPurpose.PERSONALIZATION))[
            profile.id
        ]
    reasons: dict[int, str] = {}
    wanted = [c for c in map(compile_segment, targeted.values()) if c is not None]
    if personal and profile is not None and wanted:
        for member in await memberships(session, profile, weights, wanted, discreet):
            reasons[member.segment.id] = member.reason
    picks = []
    for item in items:
        if item.segment_id is None:
            picks.append(ContentPick(item, None, "Shown to every visitor"))
        elif item.segment_id in reasons:
            picks.append(ContentPick(item, targeted[item.segment_id], reasons[item.segment_id]))
    return picks
