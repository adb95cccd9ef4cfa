"""Possible duplicates, queued for agent review with their evidence.

A profile is checked whenever it is identified: another live profile with the same name and
postcode, or an email address that differs by a typo at the same domain, or a shared device
seen with both (the conflicts recorded by resolution) makes a candidate pair. Agents link
(`linkProfiles`) or dismiss (`dismissDuplicate`) them; a dismissed pair is not raised again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import hold_writes, utcnow
from hub.enums import IdentifierKind
from hub.errors import DomainError, ErrorCode
from hub.identity.models import DuplicateCandidate, Identifier, IdentityConflict
from hub.profiles.models import Profile

SIMILAR_EMAIL = 90  # rapidfuzz ratio of the local parts, same domain
_MAX_SCAN = 500


async def _raise_pair(
    session: AsyncSession, a: str, b: str, reason: str, evidence: dict[str, Any]
) -> DuplicateCandidate | None:
    first, second = sorted((a, b))
    existing = await session.scalar(
        select(DuplicateCandidate).where(
            DuplicateCandidate.profile_a == first,
            DuplicateCandidate.profile_b == second,
            DuplicateCandidate.reason == reason,
        )
    )
    if existing is not None:
        return None  # open, linked or dismissed: said once is enough
    row = DuplicateCandidate(
        profile_a=first,
        profile_b=second,
        reason=reason,
        evidence=evidence,
        status="OPEN",
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def check(session: AsyncSession, profile: Profile) -> int:
    """Queue the possible duplicates of one profile; returns how many were new."""
    raised = 0
    postcode = (profile.traits or {}).get("postcode")
    if profile.search_name and postcode:
        others = await session.scalars(
            select(Profile)
            .where(
                Profile.search_name == profile.search_name,
                Profile.id != profile.id,
                Profile.merged_into_id.is_(None),
                Profile.erased_at.is_(None),
            )
            .limit(_MAX_SCAN)
        )
        for same_name in others:
            if (same_name.traits or {}).get("postcode") == postcode:
                raised += bool(
                    await _raise_pair(
                        session,
                        profile.id,
                        same_name.id,
                        "SAME_NAME_AND_POSTCODE",
                        {"name": profile.search_name, "postcode": postcode},
                    )
                )
    emails = list(
        await session.scalars(
            select(Identifier).where(
                Identifier.profile_id == profile.id, Identifier.kind == IdentifierKind.EMAIL.value
            )
        )
    )
    for email in emails:
        local, _, domain = email.value.partition("@")
        similar = await session.scalars(
            select(Identifier)
            .where(
                Identifier.kind == IdentifierKind.EMAIL.value,
                Identifier.value.like(f"%@{domain}"),
                Identifier.profile_id != profile.id,
            )
            .limit(_MAX_SCAN)
        )
        for other in similar:
            other_local = other.value.partition("@")[0]
            score = fuzz.ratio(local, other_local)
            if score >= SIMILAR_EMAIL and other.value != email.value:
                raised += bool(
                    await _raise_pair(
                        session,
                        profile.id,
                        other.profile_id,
                        "SIMILAR_EMAIL",
                        {"emails": sorted([email.value, other.value]), "similarity": round(score)},
                    )
                )
    return raised


async def shared_device(
    session: AsyncSession, profile_ids: Sequence[str], kind: str, value: str
) -> None:
    if len(profile_ids) >= 2:
        await _raise_pair(
            session, profile_ids[0], profile_ids[1], "SHARED_DEVICE", {"kind": kind, "value": value}
        )


async def queue(session: AsyncSession, limit: int) -> list[DuplicateCandidate]:
    rows = await session.scalars(
        select(DuplicateCandidate)
        .where(DuplicateCandidate.status == "OPEN")
        .order_by(DuplicateCandidate.created_at.desc())
        .limit(limit)
    )
    return list(rows)


async def open_for(session: AsyncSession, profile_id: str) -> list[DuplicateCandidate]:
    """Open candidate pairs this profile is part of, newest first."""
    rows = await session.scalars(
        select(DuplicateCandidate)
        .where(
            DuplicateCandidate.status == "OPEN",
            or_(
                DuplicateCandidate.profile_a == profile_id,
                DuplicateCandidate.profile_b == profile_id,
            ),
        )
        .order_by(DuplicateCandidate.created_at.desc())
    )
    return list(rows)


async def dismiss(session: AsyncSession, candidate_id: int, actor: str) -> DuplicateCandidate:
    """An agent's answer "different people": the candidate dismissed, and a shared-device
    conflict between the two answered with it. The candidate is locked before its status is
    read (`FOR UPDATE`; on SQLite the write transaction begins first), so that a link or
    another dismissal that commits meanwhile is seen: the second of two is a CONFLICT."""
    await hold_writes(session)
    row = await session.scalar(
        select(DuplicateCandidate)
        .where(DuplicateCandidate.id == candidate_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise DomainError.one(
            ("id",), ErrorCode.NOT_FOUND, f"No possible duplicate {candidate_id}."
        )
    if row.status != "OPEN":
        raise DomainError.one(("id",), ErrorCode.CONFLICT, f"Already {row.status.lower()}.")
    row.status, row.resolved_by, row.resolved_at = "DISMISSED", actor, utcnow()
    if row.reason == "SHARED_DEVICE":
        # "Different people on one device": the shared-device conflict is answered too.
        evidence = row.evidence or {}
        await answer_conflicts(
            session,
            {row.profile_a, row.profile_b},
            "DISMISSED",
            kind=str(evidence.get("kind")),
            value=str(evidence.get("value")),
        )
    return row


async def answer_conflicts(
    session: AsyncSession,
    profile_ids: set[str],
    status: str,
    *,
    kind: str | None = None,
    value: str | None = None,
) -> None:
    """The open identity conflicts among `profile_ids` only (of this identifier, when given)
    set to `status`, each only if still OPEN when its row is written: one answered meanwhile
    by another agent keeps that answer."""
    query = select(IdentityConflict.id, IdentityConflict.profile_ids).where(
        IdentityConflict.status == "OPEN"
    )
    if kind is not None:
        query = query.where(IdentityConflict.kind == kind, IdentityConflict.value == value)
    ids = [cid for cid, among in (await session.execute(query)).all() if set(among) <= profile_ids]
    if ids:
        await session.execute(
            update(IdentityConflict)
            .where(IdentityConflict.id.in_(ids), IdentityConflict.status == "OPEN")
            .values(status=status)
            .execution_options(synchronize_session=False)
        )


async def resolve_linked(session: AsyncSession, profile_ids: Sequence[str], actor: str) -> None:
    """The open candidates between these profiles (now linked) marked LINKED, each only if
    still OPEN when its row is written: one dismissed meanwhile keeps its answer."""
    ids = list(profile_ids)
    rows = await session.execute(
        select(
            DuplicateCandidate.id, DuplicateCandidate.profile_a, DuplicateCandidate.profile_b
        ).where(
            DuplicateCandidate.status == "OPEN",
            or_(DuplicateCandidate.profile_a.in_(ids), DuplicateCandidate.profile_b.in_(ids)),
        )
    )
    linked = [cid for cid, a, b in rows.all() if a in ids and b in ids]
    if linked:
        await session.execute(
            update(DuplicateCandidate)
            .where(DuplicateCandidate.id.in_(linked), DuplicateCandidate.status == "OPEN")
            .values(status="LINKED", resolved_by=actor, resolved_at=utcnow())
            .execution_options(synchronize_session=False)
        )
