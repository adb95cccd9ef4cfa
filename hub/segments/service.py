"""Segments, content slots and segment exports.

A segment is a named rule (hub/segments/rules.py). Membership is evaluated when asked, from
facts loaded in a few queries, so it is as fresh as the profile itself: a view at the kiosk
moves a shopper into "Home décor lovers" for the very next read anywhere.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.db import utcnow
from hub.enums import ConsentPurpose, IdentifierKind
from hub.errors import DomainError, ErrorCode, Problems, clean_text
from hub.events import repository as events_repo
from hub.identity import service as identity
from hub.identity.models import Identifier
from hub.preferences import service as preferences
from hub.preferences.learning import Weights
from hub.privacy import audit, consent
from hub.profiles.models import Profile
from hub.segments import repository as repo
from hub.segments import rules
from hub.segments.models import ContentItem, Segment

MAX_NAME = 80
MAX_DESCRIPTION = 500
MAX_SLOT = 60
MAX_TITLE = 200
MAX_BODY = 2000
MAX_LINK = 500
EXPORT_PAGE = 500
NEXT_BEST_ACTION_SLOT = "next-best-action"
# The contact a marketing purpose needs; without it the customer cannot be reached that way.
CONTACT_FOR = {
    ConsentPurpose.MARKETING_EMAIL: IdentifierKind.EMAIL,
    ConsentPurpose.MARKETING_SMS: IdentifierKind.PHONE,
}


@dataclass(frozen=True)
class SegmentIn:
    name: str
    rule: Any
    description: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Compiled:
    segment: Segment
    rule: rules.Rule


@dataclass(frozen=True)
class Membership:
    segment: Segment
    reason: str


# ---------------------------------------------------------------- segments


async def save_segment(session: AsyncSession, wanted: SegmentIn, actor: str) -> Segment:
    """Create a segment, or change one (by id); the rule is checked field by field first."""
    problems = Problems()
    name = clean_text(wanted.name, ("input", "name"), MAX_NAME, problems, required=True)
    description = clean_text(
        wanted.description, ("input", "description"), MAX_DESCRIPTION, problems, required=False
    )
    rule = rules.parse(wanted.rule, problems)
    problems.raise_if_any()
    assert name is not None and rule is not None
    existing = await repo.segment(session, wanted.id) if wanted.id is not None else None
    if wanted.id is not None and existing is None:
        raise DomainError.one(("input", "id"), ErrorCode.NOT_FOUND, "No segment has this id.")
    same_name = await repo.segment_named(session, name)
    if same_name is not None and same_name is not existing:
        raise DomainError.one(
            ("input", "name"), ErrorCode.DUPLICATE, "Another segment already has this name."
        )
    now = utcnow()
    if existing is None:
        existing = Segment(created_by=actor[:120], created_at=now)
        session.add(existing)
    existing.name = name
    existing.description = description
    existing.rule = rules.to_json(rule)
    existing.updated_at = now
    await session.flush()
    return existing


async def delete_segment(session: AsyncSession, segment_id: int) -> Segment:
    segment = await repo.segment(session, segment_id)
    if segment is None:
        raise DomainError.one(("id",), ErrorCode.NOT_FOUND, "No segment has this id.")
    using = await repo.content_using(session, segment_id)
    if using:
        names = ", ".join(f"“{c.name}”" for c in using[:5])
        raise DomainError.one(
            ("id",),
            ErrorCode.CONFLICT,
            f"Content still targets this segment ({names}); change or delete it first.",
        )
    await session.delete(segment)
    await session.flush()
    return segment


async def all_segments(session: AsyncSession) -> list[Segment]:
    return await repo.all_segments(session)


async def require_segment(session: AsyncSession, segment_id: int, field: str) -> Segment:
    segment = await repo.segment(session, segment_id)
    if segment is None:
        raise DomainError.one((field,), ErrorCode.NOT_FOUND, "No segment has this id.")
    return segment


def compile_segment(segment: Segment) -> Compiled | None:
    rule = rules.parse(segment.rule, Problems())
    return Compiled(segment, rule) if rule is not None else None


async def compiled(session: AsyncSession) -> list[Compiled]:
    found = [compile_segment(s) for s in await repo.all_segments(session)]
    return [c for c in found if c is not None]


# ---------------------------------------------------------------- facts and membership


async def facts_for(
    session: AsyncSession,
    people: Sequence[Profile],
    wanted: Sequence[rules.Rule],
    weights: Weights,
    now: datetime | None = None,
    discreet: bool = False,
    until: datetime | None = None,
) -> dict[str, rules.Facts]:
    """What the rules ask about these profiles, in a few queries for the whole page. With
    `until`, events count only if they had happened by then (a campaign's audience is who was
    in the segment at its run); learned interests and stated facts are as they stand."""
    now = now or utcnow()
    ids = [p.id for p in people]
    need = rules.needs(list(wanted))
    kinds: dict[str, set[str]] = {i: set() for i in ids}
    for row in await identity.identifiers_for(session, ids):
        kinds[row.profile_id].add(row.kind)
    consents = await consent.views_for(session, ids)
    facets = await preferences.facet_facts(session, ids, need.facets, weights)
    counts: dict[str, dict[rules.EventQuery, int]] = {i: {} for i in ids}
    for query in need.events:
        found = await events_repo.count_by_profile(
            session,
            ids,
            type=query.type,
            since=_since(now, query.within_days),
            touchpoint=query.touchpoint,
            category=query.category,
            product_sku=query.product_sku,
            until=until,
        )
        for profile_id, count in found.items():
            counts[profile_id][query] = count
    spend: dict[str, dict[int | None, float]] = {i: {} for i in ids}
    for days in need.spends:
        for profile_id, total in (
            await events_repo.spend_by_profile(session, ids, _since(now, days), until)
        ).items():
            spend[profile_id][days] = total
    labels = await catalog.labels_for(
        session,
        skus={v for k, v in need.facets if k == "product"},
        slugs={v for k, v in need.facets if k == "category"},
    )
    return {
        p.id: rules.Facts(
            known=p.is_known,
            identifier_kinds=frozenset(kinds[p.id]),
            traits=dict(p.traits or {}),
            consents={v.purpose.value: v.granted for v in consents[p.id]},
            stated=facets.stated[p.id],
            learned=facets.learned[p.id],
            event_counts=counts[p.id],
            spend=spend[p.id],
            labels=labels,
            discreet=discreet,
        )
        for p in people
    }


def _since(now: datetime, days: int | None) -> datetime | None:
    return now - timedelta(days=days) if days is not None else None


async def memberships(
    session: AsyncSession,
    profile: Profile,
    weights: Weights,
    only: Sequence[Compiled] = (),
    discreet: bool = False,
) -> list[Membership]:
    """The segments this profile is in right now, each with why."""
    segments = list(only) or await compiled(session)
    if not segments:
        return []
    personal = (await consent.allowed(session, [profile.id], ConsentPurpose.PERSONALIZATION))[
        profile.id
    ]
    if not personal:
        # What they did may not be used: only segments on what they told us still apply.
        segments = [c for c in segments if not rules.uses_behaviour(c.rule)]
        if not segments:
            return []
    facts = (
        await facts_for(session, [profile], [c.rule for c in segments], weights, discreet=discreet)
    )[profile.id]
    found = []
    for item in segments:
        verdict = rules.evaluate(item.rule, facts)
        if verdict.matched:
            found.append(Membership(item.segment, verdict.reason))
    return found


async def members(
    session: AsyncSession, segment: Compiled, weights: Weights, until: datetime | None = None
) -> AsyncIterator[tuple[list[Profile], dict[str, str]]]:
    """Every live profile page by page, with the reasons of those in the segment (a rule on
    behaviour leaves out whoever withdrew PERSONALIZATION); `until` as in `facts_for`."""
    after: str | None = None
    now = until or utcnow()
    behaviour = rules.uses_behaviour(segment.rule)
    while True:
        page = await repo.live_profiles_after(session, after, EXPORT_PAGE)
        if not page:
            return
        after = page[-1].id
        if behaviour:
            allowed = await consent.allowed(
                session, [p.id for p in page], ConsentPurpose.PERSONALIZATION
            )
            page = [p for p in page if allowed[p.id]]
        facts = await facts_for(session, page, [segment.rule], weights, now, until=until)
        reasons = {}
        for profile in page:
            verdict = rules.evaluate(segment.rule, facts[profile.id])
            if verdict.matched:
                reasons[profile.id] = verdict.reason
        yield page, reasons


# ---------------------------------------------------------------- export


@dataclass(frozen=True)
class SegmentExport:
    segment: Segment
    purpose: ConsentPurpose
    format: str
    count: int
    without_consent: int
    without_contact: int
    data: str


def _contact(rows: Sequence[Identifier], kind: IdentifierKind) -> str | None:
    """The contact to use: one a trusted source confirmed first, then the newest."""
    found = [r for r in rows if r.kind == kind.value]
    if not found:
        return None
    found.sort(key=lambda r: (r.verified_at is not None, r.created_at, r.id), reverse=True)
    return found[0].value


def _cell(value: Any) -> Any:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: never from our data.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class Reachable:
    """A segment member and whether `purpose` may reach them: `row` holds what a mailing needs
    (the contact the purpose needs, names, the segment's reason), or `excluded` says why not
    ("consent" or "contact")."""

    profile: Profile
    reason: str
    row: dict[str, Any] | None
    excluded: str | None


async def reachable(
    session: AsyncSession,
    segment: Segment,
    purpose: ConsentPurpose,
    weights: Weights,
    until: datetime | None = None,
) -> AsyncIterator[Reachable]:
    """Every member of the segment right now, with what `purpose` may use of them (consent and
    its expiry as of now). Segment exports and campaign runs both draw their audience here; a
    campaign run passes `until` (its moment), so events dated after it do not count."""
    compiled_segment = compile_segment(segment)
    if compiled_segment is None:
        raise DomainError.one(("segmentId",), ErrorCode.INVALID, "The segment's rule is invalid.")
    async for page, reasons in members(session, compiled_segment, weights, until):
        inside = [p for p in page if p.id in reasons]
        if not inside:
            continue
        allowed = await consent.allowed(session, [p.id for p in inside], purpose)
        identifiers: dict[str, list[Identifier]] = {p.id: [] for p in inside}
        for held in await identity.identifiers_for(session, [p.id for p in inside]):
            identifiers[held.profile_id].append(held)
        for profile in inside:
            reason = reasons[profile.id]
            if not allowed[profile.id]:
                yield Reachable(profile, reason, None, "consent")
                continue
            row = contact_row(profile, identifiers[profile.id], purpose)
            if row is None:
                yield Reachable(profile, reason, None, "contact")
                continue
            yield Reachable(profile, reason, {**row, "reason": reason}, None)


def contact_row(
    profile: Profile, identifiers: Sequence[Identifier], purpose: ConsentPurpose
) -> dict[str, Any] | None:
    """What a mailing for `purpose` needs of this customer (and nothing more), or None when
    they cannot be reached that way."""
    row: dict[str, Any] = {"profileId": profile.id}
    needed = CONTACT_FOR.get(purpose)
    if needed is not None:
        contact = _contact(identifiers, needed)
        if contact is None:
            return None
        row["firstName"] = profile.first_name
        row["lastName"] = profile.last_name
        row["email" if needed is IdentifierKind.EMAIL else "phone"] = contact
    elif purpose is ConsentPurpose.MARKETING_POST:
        postcode = (profile.traits or {}).get("postcode")
        if not postcode or not profile.last_name:
            return None
        row["firstName"] = profile.first_name
        row["lastName"] = profile.last_name
        row["postcode"] = postcode
    return row


def to_file(rows: Sequence[dict[str, Any]], format: str, default: Sequence[str]) -> str:
    """Rows as CSV (a header row; no cell a spreadsheet would run as a formula) or JSON."""
    if format != "CSV":
        return json.dumps(list(rows), ensure_ascii=False)
    columns = list(dict.fromkeys(key for row in rows for key in row)) or list(default)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


async def export_segment(
    session: AsyncSession,
    segment_id: int,
    purpose: ConsentPurpose,
    format: str,
    weights: Weights,
) -> SegmentExport:
    """The segment's members who agreed to `purpose` (and can be reached that way), as CSV or
    JSON. Only what the purpose needs leaves the hub: an email list carries no phone numbers.
    The export is written to the audit log (who, which segment, how many, for what)."""
    segment = await require_segment(session, segment_id, "segmentId")
    rows: list[dict[str, Any]] = []
    without_consent = without_contact = 0
    async for member in reachable(session, segment, purpose, weights):
        if member.excluded == "consent":
            without_consent += 1
        elif member.excluded == "contact":
            without_contact += 1
        elif member.row is not None:
            rows.append(member.row)
    data = to_file(rows, format, ("profileId", "reason"))
    principal = session.info.get("principal")  # who asked: set by the write path
    audit.record(
        session,
        actor=principal.actor if principal is not None else "system",
        channel=principal.channel.value if principal is not None else "system",
        profile_id=None,
        action="EXPORT_SEGMENT",
        detail=f"Exported {len(rows)} members of “{segment.name}” for {purpose.value} as {format}",
    )
    return SegmentExport(
        segment, purpose, format, len(rows), without_consent, without_contact, data
    )


# ---------------------------------------------------------------- content


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


async def save_content(session: AsyncSession, wanted: ContentIn) -> ContentItem:
    problems = Problems()
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
    if wanted.starts_at and wanted.ends_at and wanted.ends_at <= wanted.starts_at:
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
    item.starts_at = wanted.starts_at
    item.ends_at = wanted.ends_at
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
