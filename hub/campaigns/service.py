"""Direct-marketing campaigns: a segment's reachable members frozen at the run, a stable control
group held out, a response code per recipient, personal rows for the mail-merge, and the
evaluation against the control group. Codes coming back: `hub.campaigns.responses`.

The audience is the segment export's (`exports.reachable`: membership, the purpose's consent and
its expiry, the contact it needs), evaluated at the moment of the run; the picks are the
recommender's (`recs.service.recommend`); an answer is an ordinary event (`events.track`), so it
is learned from and published like any other.

An A/A check (`aa_check`, purpose ANALYTICS) is a campaign in which nobody is sent anything:
the segment's members split into a "treated" and a control group exactly as for a mailing,
then left alone, so that its evaluation shows what chance alone looks like (no significant
lift expected). It has no mail-merge, and its codes are never answered. The demo store ships
one (`hub.campaigns.demo`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, shortcodes
from hub.campaigns import evaluation
from hub.campaigns import repository as repo
from hub.campaigns.evaluation import Evaluation, GroupFigures
from hub.campaigns.models import Campaign, CampaignRecipient
from hub.campaigns.repository import Counts
from hub.db import one_snapshot, utcnow
from hub.enums import ConsentPurpose
from hub.errors import DomainError, ErrorCode, Problems, check_storable_time, clean_text
from hub.identity import service as identity
from hub.privacy import consent
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.recs import service as recs
from hub.segments import exports, slots
from hub.segments import service as segments
from hub.weights import Weights

MAX_NAME = 80
MAX_SLOT = 60
MAX_CONTROL_PERCENT = 90.0
CODE_LENGTH = 8
PICKS = 3
PAGE = 500
PURPOSES = frozenset(
    {ConsentPurpose.MARKETING_EMAIL, ConsentPurpose.MARKETING_SMS, ConsentPurpose.MARKETING_POST}
)
# An A/A check sends nothing: its members are used for analysis only, which ANALYTICS covers.
AA_PURPOSE = ConsentPurpose.ANALYTICS


@dataclass(frozen=True)
class CampaignIn:
    name: str
    segment_id: int
    purpose: ConsentPurpose
    starts_at: datetime
    ends_at: datetime
    control_percent: float = 10.0
    content_slot: str | None = None
    aa_check: bool = False  # nobody is sent anything (purpose ANALYTICS); not over GraphQL


def is_aa_check(campaign: Campaign) -> bool:
    return campaign.purpose == AA_PURPOSE.value


def _actor(session: AsyncSession) -> tuple[str, str]:
    principal = session.info.get("principal")  # who asked: set by the write path
    if principal is None:
        return "system", "system"
    return principal.actor, principal.channel.value


def record_audit(session: AsyncSession, profile_id: str | None, action: str, detail: str) -> None:
    """One audit row for what the caller did to a campaign (or to one recipient's profile)."""
    actor, channel = _actor(session)
    audit.record(
        session, actor=actor, channel=channel, profile_id=profile_id, action=action, detail=detail
    )


def in_control(campaign_id: int, profile_id: str, control_percent: float) -> bool:
    """A stable hash of (campaign, profile): the same split on every look, and a different
    draw in every campaign, so nobody is held out of everything."""
    digest = hashlib.sha256(f"campaign:{campaign_id}:{profile_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 10_000 < control_percent * 100


async def _using_segment(session: AsyncSession, segment_id: int) -> list[str]:
    """A campaign keeps its segment (a run's audience was drawn from it): deleting it is refused."""
    return [f"campaign “{name}”" for name in await repo.names_for_segment(session, segment_id)]


segments.register_users("campaigns", _using_segment)


# ---------------------------------------------------------------- campaigns


async def create_campaign(session: AsyncSession, wanted: CampaignIn) -> Campaign:
    problems = Problems()
    name = clean_text(wanted.name, ("input", "name"), MAX_NAME, problems, required=True)
    if wanted.aa_check and wanted.purpose is not AA_PURPOSE:
        problems.add(
            ("input", "purpose"), ErrorCode.INVALID, "An A/A check is made for ANALYTICS only."
        )
    elif not wanted.aa_check and wanted.purpose not in PURPOSES:
        problems.add(
            ("input", "purpose"),
            ErrorCode.INVALID,
            "A campaign is a mailing: MARKETING_EMAIL, MARKETING_SMS or MARKETING_POST.",
        )
    slot = (wanted.content_slot or "").strip().lower() or None
    if slot is not None and (
        len(slot) > MAX_SLOT or not all(ch.isalnum() or ch in "-_." for ch in slot)
    ):
        problems.add(
            ("input", "contentSlot"),
            ErrorCode.INVALID,
            f"A slot is a short name of letters, digits and - _ . (at most {MAX_SLOT}).",
        )
    before = len(problems.items)
    for field, at in (("startsAt", wanted.starts_at), ("endsAt", wanted.ends_at)):
        if at.tzinfo is None:
            problems.add(("input", field), ErrorCode.INVALID, "Give a time zone (e.g. Z).")
        check_storable_time(at, ("input", field), problems)
    if len(problems.items) == before and wanted.ends_at <= wanted.starts_at:
        problems.add(("input", "endsAt"), ErrorCode.OUT_OF_RANGE, "Ends before it starts.")
    if not 0 <= wanted.control_percent <= MAX_CONTROL_PERCENT:
        problems.add(
            ("input", "controlPercent"),
            ErrorCode.OUT_OF_RANGE,
            f"The control group is 0 to {MAX_CONTROL_PERCENT:g} % of the audience.",
        )
    try:
        await segments.require_segment(session, wanted.segment_id, "segmentId")
    except DomainError as error:
        problems.extend(error, ("input",))
    if name is not None and await repo.campaign_named(session, name) is not None:
        problems.add(
            ("input", "name"), ErrorCode.DUPLICATE, "Another campaign already has this name."
        )
    problems.raise_if_any()
    assert name is not None
    actor, _ = _actor(session)
    campaign = Campaign(
        name=name,
        segment_id=wanted.segment_id,
        purpose=wanted.purpose.value,
        content_slot=slot,
        starts_at=wanted.starts_at,
        ends_at=wanted.ends_at,
        control_percent=float(wanted.control_percent),
        status="DRAFT",
        created_by=actor[:120],
        created_at=utcnow(),
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def require(session: AsyncSession, campaign_id: int, field: str = "campaignId") -> Campaign:
    campaign = await repo.campaign(session, campaign_id)
    if campaign is None:
        raise DomainError.one((field,), ErrorCode.NOT_FOUND, "No campaign has this id.")
    return campaign


async def find(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await repo.campaign(session, campaign_id)


async def all_campaigns(session: AsyncSession) -> list[Campaign]:
    return await repo.all_campaigns(session)


async def counts(session: AsyncSession, campaign_ids: list[int]) -> dict[int, Counts]:
    return await repo.counts(session, campaign_ids)


async def _new_codes(session: AsyncSession, how_many: int) -> list[str]:
    """`how_many` response codes used by no recipient of any campaign."""
    codes: set[str] = set()
    while len(codes) < how_many:
        fresh = {shortcodes.new_code(CODE_LENGTH) for _ in range(how_many - len(codes))}
        codes |= fresh - await repo.taken_codes(session, fresh)
    return list(codes)


async def run_campaign(
    session: AsyncSession,
    campaign_id: int,
    weights: Weights,
    control: Callable[[str], bool] | None = None,
) -> Campaign:
    """Freeze the audience now: the segment's members whom the purpose may reach (consent and
    its expiry as of now, the contact it needs; events dated after now do not count), split
    into treated and control. Once only.

    `control` (profile id → held out?) replaces the stable hash `in_control` for a split that
    must come out the same in every store, like the demo's A/A check keyed on the customer
    number of the data file; it is still drawn blind to anything the customers did."""
    await one_snapshot(session)  # the audience's pages all as of one moment
    campaign = await require(session, campaign_id)
    now = utcnow()
    if campaign.status != "DRAFT" or not await repo.mark_run(session, campaign.id, now):
        raise DomainError.one(
            ("campaignId",),
            ErrorCode.CONFLICT,
            "This campaign has already run: its audience is frozen.",
        )
    segment = await segments.require_segment(session, campaign.segment_id, "campaignId")
    purpose = ConsentPurpose(campaign.purpose)
    audience = [
        member
        async for member in exports.reachable(session, segment, purpose, weights, until=now)
        if member.row is not None
    ]
    codes = await _new_codes(session, len(audience))
    await repo.insert_recipients(
        session,
        [
            {
                "campaign_id": campaign.id,
                "profile_id": member.profile.id,
                "control": control(member.profile.id)
                if control is not None
                else in_control(campaign.id, member.profile.id, campaign.control_percent),
                "response_code": code,
                "reason": member.reason[:300],
            }
            for member, code in zip(audience, codes, strict=True)
        ],
    )
    await session.refresh(campaign)
    record_audit(
        session,
        None,
        "RUN_CAMPAIGN",
        f"Ran “{campaign.name}” over “{segment.name}”: {len(audience)} reachable "
        f"for {purpose.value}, {campaign.control_percent:g} % held out",
    )
    return campaign


# ---------------------------------------------------------------- recipients and export


async def recipients(
    session: AsyncSession,
    campaign_id: int,
    control: bool | None,
    first: int,
    after: int | None = None,
) -> list[CampaignRecipient]:
    """A page of the frozen audience in the order of the run; `after` a recipient's id (of
    this campaign: any other, or none, is INVALID on `after`, not the first page again)."""
    await require(session, campaign_id)
    if after is not None and not await repo.has_recipient(session, campaign_id, after):
        raise DomainError.one(
            ("after",), ErrorCode.INVALID, "That is not a recipient id from this campaign."
        )
    return await repo.recipients(session, campaign_id, control=control, after=after, limit=first)


@dataclass(frozen=True)
class CampaignExport:
    campaign: Campaign
    format: str
    count: int
    withdrawn: int
    unreachable: int
    data: str


async def export_campaign(
    session: AsyncSession,
    campaign_id: int,
    format: str,
    weights: Weights,
    holdout_percent: float = 0.0,
) -> CampaignExport:
    """One mail-merge row per treated recipient: the contact the purpose needs (and the name it
    may use), the response code, the campaign's content for them and their top picks with
    reasons. Whoever withdrew the purpose since the run, was erased, can no longer be
    reached that way, or was merged with a control-group recipient is dropped. Audited."""
    campaign = await require(session, campaign_id)
    if campaign.status != "RUN":
        raise DomainError.one(
            ("campaignId",), ErrorCode.CONFLICT, "Run the campaign first: it has no audience yet."
        )
    if is_aa_check(campaign):
        raise DomainError.one(
            ("campaignId",), ErrorCode.CONFLICT, "An A/A check sends nothing: it has no mail-merge."
        )
    purpose = ConsentPurpose(campaign.purpose)
    rows: list[dict[str, Any]] = []
    exported: list[int] = []
    withdrawn = unreachable = 0
    # The control group is sent nothing: a treated recipient who turned out to be a control
    # recipient too (merged since the run, either way round) is held out, never mailed.
    seen: set[str] = await repo.held_out_profiles(session, campaign.id)
    after: int | None = None
    while True:
        page = await repo.recipients(session, campaign.id, control=False, after=after, limit=PAGE)
        if not page:
            break
        after = page[-1].id
        live: dict[int, Profile] = {}
        for recipient in page:
            profile = await profiles.get_live(session, recipient.profile_id)
            # Erased, merged into another recipient, or now one person with a control one.
            if profile is None or profile.id in seen:
                unreachable += 1
                continue
            seen.add(profile.id)
            live[recipient.id] = profile
        ids = [p.id for p in live.values()]
        allowed = await consent.allowed(session, ids, purpose)
        held: dict[str, list[Any]] = {pid: [] for pid in ids}
        for identifier in await identity.identifiers_for(session, ids):
            held[identifier.profile_id].append(identifier)
        for recipient in page:
            profile = live.get(recipient.id)
            if profile is None:
                continue
            if not allowed[profile.id]:
                withdrawn += 1
                continue
            row = exports.contact_row(profile, held[profile.id], purpose)
            if row is None:
                unreachable += 1
                continue
            row["responseCode"] = recipient.response_code
            if campaign.content_slot:
                found = await slots.eligible_content(
                    session, campaign.content_slot, profile, "DIRECT_MARKETING", weights
                )
                row["contentTitle"] = found[0].item.title if found else None
                row["contentBody"] = found[0].item.body if found else None
            picks = await recs.recommend(
                session,
                profile.id,
                profile.version,
                PICKS,
                weights,
                holdout_percent=holdout_percent,
            )
            row["picks"] = [
                {"sku": p.product.sku, "name": p.product.name, "reason": p.reason} for p in picks
            ]
            rows.append(row)
            exported.append(recipient.id)
    now = utcnow()
    await repo.mark_exported(session, exported, now)
    record_audit(
        session,
        None,
        "EXPORT_CAMPAIGN",
        f"Exported {len(rows)} recipients of “{campaign.name}” as {format} "
        f"({withdrawn} withdrew {purpose.value}, {unreachable} no longer reachable)",
    )
    data = exports.to_file(
        [_flat(r) for r in rows] if format == "CSV" else rows,
        format,
        ("profileId", "responseCode"),
    )
    return CampaignExport(campaign, format, len(rows), withdrawn, unreachable, data)


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row: pick1Sku, pick1Name, pick1Reason, … in place of the list."""
    flat = {k: v for k, v in row.items() if k != "picks"}
    for n, pick in enumerate(row.get("picks", []), start=1):
        flat[f"pick{n}Sku"] = pick["sku"]
        flat[f"pick{n}Name"] = pick["name"]
        flat[f"pick{n}Reason"] = pick["reason"]
    return flat


# ---------------------------------------------------------------- evaluation


async def evaluate(session: AsyncSession, campaign_id: int) -> tuple[Campaign, Evaluation]:
    """Treated against control: recipients, reached, responded, converted (any purchase inside
    the campaign window, code or not), revenue, and the lifts with 95 % intervals. A campaign
    not yet run has empty groups (and says there is nothing to compare)."""
    campaign = await require(session, campaign_id)
    found = await repo.evaluation_counts(session, campaign)

    def group(control: bool) -> GroupFigures:
        counts = found[control]
        return GroupFigures(
            recipients=counts.recipients,
            reached=0 if control else counts.reached,
            responded=counts.responded,
            converted=len(counts.revenues),
            revenues=counts.revenues,
        )

    return campaign, evaluation.evaluate(group(False), group(True), is_aa_check(campaign))
