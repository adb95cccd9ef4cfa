"""Segment exports: a segment's members that a purpose may reach (consent, the contact it
needs), as the audience of an export or a campaign run, and the file they leave in."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import snapshot_reads
from hub.enums import ConsentPurpose, IdentifierKind
from hub.errors import DomainError, ErrorCode
from hub.identity import service as identity
from hub.identity.models import Identifier
from hub.privacy import consent
from hub.profiles.models import Profile
from hub.segments.models import Segment
from hub.segments.service import compile_segment, members, require_segment
from hub.weights import Weights

# The contact a marketing purpose needs; without it the customer cannot be reached that way.
CONTACT_FOR = {
    ConsentPurpose.MARKETING_EMAIL: IdentifierKind.EMAIL,
    ConsentPurpose.MARKETING_SMS: IdentifierKind.PHONE,
}


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
    The export is written to the audit log (who, which segment, how many, for what). Its
    pages are all read as of one moment (`snapshot_reads`), so a merge that commits meanwhile
    cannot move a customer from a page still to come to one already read."""
    segment = await require_segment(session, segment_id, "segmentId")
    rows: list[dict[str, Any]] = []
    without_consent = without_contact = 0
    async with snapshot_reads(session) as reader:
        async for member in reachable(reader, segment, purpose, weights):
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
