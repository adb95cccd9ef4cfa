"""Segments and who is in them.

A segment is a named rule (hub/segments/rules/). Membership is evaluated when asked, from
facts loaded in a few queries, so it is as fresh as the profile itself: a view at the kiosk
moves a shopper into "Home décor lovers" for the very next read anywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import service as catalog
from hub.db import utcnow
from hub.enums import ConsentPurpose
from hub.errors import DomainError, ErrorCode, Problems, clean_text
from hub.events import service as events_service
from hub.identity import service as identity
from hub.masks import mask_postcode
from hub.preferences import views as preferences
from hub.privacy import consent
from hub.profiles.models import Profile
from hub.segments import repository as repo
from hub.segments.models import Segment
from hub.segments.rules.evaluation import Facts, evaluate
from hub.segments.rules.nodes import EventQuery, Rule, needs, uses_behaviour
from hub.segments.rules.parsing import parse, to_json
from hub.weights import Weights

MAX_NAME = 80
MAX_DESCRIPTION = 500
EXPORT_PAGE = 500


@dataclass(frozen=True)
class SegmentIn:
    name: str
    rule: Any
    description: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Compiled:
    segment: Segment
    rule: Rule


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
    rule = parse(wanted.rule, problems)
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
    existing.rule = to_json(rule)
    existing.updated_at = now
    await session.flush()
    return existing


# A domain that keeps segment ids (campaigns) says what still uses a segment, by name, so that
# deleting it is refused in words; segments never import that domain (the dependency points one
# way). Registered when that domain is imported; one per domain (a re-import replaces it).
SegmentUsers = Callable[[AsyncSession, int], Awaitable[list[str]]]
_USERS: dict[str, SegmentUsers] = {}


def register_users(domain: str, users: SegmentUsers) -> None:
    """`users(session, segment_id)`: what of `domain` still uses the segment ("campaign “X”")."""
    _USERS[domain] = users


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
    for users in _USERS.values():
        used_by = await users(session, segment_id)
        if used_by:
            raise DomainError.one(
                ("id",),
                ErrorCode.CONFLICT,
                f"Still used by {', '.join(used_by[:5])}: it keeps the segment it was made for.",
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


def rule_shown(rule: Any, discreet: bool) -> Any:
    """A segment's rule as a caller may see it: on a shared screen (`discreet`) a postcode it
    names is its district only ("SW1A ***"), as in the reason and the profile beside it."""
    if not discreet:
        return rule
    if isinstance(rule, list):
        return [rule_shown(r, discreet) for r in rule]
    if not isinstance(rule, dict):
        return rule
    trait = rule.get("trait")
    if isinstance(trait, dict) and trait.get("name") == "postcode":
        return {
            "trait": {
                k: mask_postcode(v) if k != "name" and isinstance(v, str) else v
                for k, v in trait.items()
            }
        }
    return {k: rule_shown(v, discreet) for k, v in rule.items()}


def compile_segment(segment: Segment) -> Compiled | None:
    rule = parse(segment.rule, Problems())
    return Compiled(segment, rule) if rule is not None else None


async def compiled(session: AsyncSession) -> list[Compiled]:
    found = [compile_segment(s) for s in await repo.all_segments(session)]
    return [c for c in found if c is not None]


# ---------------------------------------------------------------- facts and membership


async def facts_for(
    session: AsyncSession,
    people: Sequence[Profile],
    wanted: Sequence[Rule],
    weights: Weights,
    now: datetime | None = None,
    discreet: bool = False,
    until: datetime | None = None,
) -> dict[str, Facts]:
    """What the rules ask about these profiles, in a few queries for the whole page. With
    `until`, events count only if they had happened by then (a campaign's audience is who was
    in the segment at its run); learned interests and stated facts are as they stand."""
    now = now or utcnow()
    ids = [p.id for p in people]
    need = needs(list(wanted))
    kinds: dict[str, set[str]] = {i: set() for i in ids}
    for row in await identity.identifiers_for(session, ids):
        kinds[row.profile_id].add(row.kind)
    consents = await consent.views_for(session, ids)
    facets = await preferences.facet_facts(session, ids, need.facets, weights)
    counts: dict[str, dict[EventQuery, int]] = {i: {} for i in ids}
    for query in need.events:
        found = await events_service.count_by_profile(
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
            await events_service.spend_by_profile(session, ids, _since(now, days), until)
        ).items():
            spend[profile_id][days] = total
    labels = await catalog.labels_for(
        session,
        skus={v for k, v in need.facets if k == "product"},
        slugs={v for k, v in need.facets if k == "category"},
    )
    return {
        p.id: Facts(
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
        segments = [c for c in segments if not uses_behaviour(c.rule)]
        if not segments:
            return []
    facts = (
        await facts_for(session, [profile], [c.rule for c in segments], weights, discreet=discreet)
    )[profile.id]
    found = []
    for item in segments:
        verdict = evaluate(item.rule, facts)
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
    behaviour = uses_behaviour(segment.rule)
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
            verdict = evaluate(segment.rule, facts[profile.id])
            if verdict.matched:
                reasons[profile.id] = verdict.reason
        yield page, reasons
