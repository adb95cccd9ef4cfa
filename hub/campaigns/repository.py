"""All SQL about campaigns and their recipients."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.campaigns.models import Campaign, CampaignRecipient
from hub.events.models import Event
from hub.profiles.models import Profile


@dataclass(frozen=True)
class Counts:
    audience: int = 0
    control: int = 0
    responded: int = 0

    @property
    def treated(self) -> int:
        return self.audience - self.control


async def campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def campaign_named(session: AsyncSession, name: str) -> Campaign | None:
    return await session.scalar(select(Campaign).where(Campaign.name == name))


async def names_for_segment(session: AsyncSession, segment_id: int) -> list[str]:
    return list(
        await session.scalars(
            select(Campaign.name).where(Campaign.segment_id == segment_id).order_by(Campaign.id)
        )
    )


async def all_campaigns(session: AsyncSession) -> list[Campaign]:
    return list(await session.scalars(select(Campaign).order_by(Campaign.id.desc())))


async def mark_run(session: AsyncSession, campaign_id: int, at: datetime) -> bool:
    """DRAFT → RUN, atomically: of two runs at once, only one gets True."""
    done = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "DRAFT")
        .values(status="RUN", run_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(done, "rowcount", 0))


async def taken_codes(session: AsyncSession, codes: Collection[str]) -> set[str]:
    if not codes:
        return set()
    rows = await session.scalars(
        select(CampaignRecipient.response_code).where(
            CampaignRecipient.response_code.in_(list(codes))
        )
    )
    return set(rows)


async def insert_recipients(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 1000):
        await session.execute(insert(CampaignRecipient), list(rows[start : start + 1000]))


async def counts(session: AsyncSession, campaign_ids: Sequence[int]) -> dict[int, Counts]:
    if not campaign_ids:
        return {}
    rows = await session.execute(
        select(
            CampaignRecipient.campaign_id,
            func.count(),
            func.sum(case((CampaignRecipient.control, 1), else_=0)),
            func.count(CampaignRecipient.responded_at),
        )
        .where(CampaignRecipient.campaign_id.in_(list(campaign_ids)))
        .group_by(CampaignRecipient.campaign_id)
    )
    return {cid: Counts(int(n), int(c or 0), int(r)) for cid, n, c, r in rows}


async def recipients(
    session: AsyncSession,
    campaign_id: int,
    *,
    control: bool | None = None,
    after: int | None = None,
    limit: int = 500,
) -> list[CampaignRecipient]:
    query = select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign_id)
    if control is not None:
        query = query.where(CampaignRecipient.control.is_(control))
    if after is not None:
        query = query.where(CampaignRecipient.id > after)
    return list(await session.scalars(query.order_by(CampaignRecipient.id).limit(limit)))


async def has_recipient(session: AsyncSession, campaign_id: int, recipient_id: int) -> bool:
    found = await session.scalar(
        select(CampaignRecipient.id).where(
            CampaignRecipient.id == recipient_id, CampaignRecipient.campaign_id == campaign_id
        )
    )
    return found is not None


async def held_out_profiles(session: AsyncSession, campaign_id: int) -> set[str]:
    """The live profile of every control-group recipient: a recipient merged since the run is
    followed to the profile now holding them (`merged_into_id` names the final survivor)."""
    r = CampaignRecipient
    rows = await session.scalars(
        select(func.coalesce(Profile.merged_into_id, r.profile_id))
        .select_from(r)
        .join(Profile, Profile.id == r.profile_id)
        .where(r.campaign_id == campaign_id, r.control.is_(True))
    )
    return set(rows)


async def recipient_by_code(session: AsyncSession, code: str) -> CampaignRecipient | None:
    return await session.scalar(
        select(CampaignRecipient).where(CampaignRecipient.response_code == code)
    )


async def mark_responded(
    session: AsyncSession, recipient_id: int, at: datetime, touchpoint: str
) -> bool:
    """The recipient's first answer, if none is stored yet (one guarded UPDATE: of two told at
    once, one marks it); whether this was the first."""
    result = await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.id == recipient_id, CampaignRecipient.responded_at.is_(None))
        .values(responded_at=at, response_touchpoint=touchpoint)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_exported(session: AsyncSession, ids: Sequence[int], at: datetime) -> None:
    for start in range(0, len(ids), 1000):
        await session.execute(
            update(CampaignRecipient)
            .where(CampaignRecipient.id.in_(list(ids[start : start + 1000])))
            .values(exported_at=at)
            .execution_options(synchronize_session=False)
        )


async def purchase_span(session: AsyncSession) -> tuple[datetime | None, datetime | None]:
    """The first and last purchase stored (what history a demo campaign can stand on)."""
    row = (
        await session.execute(
            select(func.min(Event.occurred_at), func.max(Event.occurred_at)).where(
                Event.type == "PURCHASE"
            )
        )
    ).one()
    return row[0], row[1]


@dataclass(frozen=True)
class GroupCounts:
    recipients: int = 0
    reached: int = 0
    responded: int = 0
    # In-window purchase revenue of each recipient who bought (the others bought nothing).
    revenues: tuple[float, ...] = ()


async def evaluation_counts(session: AsyncSession, campaign: Campaign) -> dict[bool, GroupCounts]:
    """Per group (control: True/False) in three grouped queries over the recipients joined to
    their events: recipients and exported; recipients with a CAMPAIGN_RESPONSE of this
    campaign; the revenue of each recipient with a PURCHASE inside [starts_at, ends_at].
    A recipient merged since the run is followed to the profile that now holds their events
    (`merged_into_id` always names the final survivor)."""
    r = CampaignRecipient
    live = func.coalesce(Profile.merged_into_id, r.profile_id)
    sizes = await session.execute(
        select(r.control, func.count(), func.count(r.exported_at))
        .where(r.campaign_id == campaign.id)
        .group_by(r.control)
    )
    responses = await session.execute(
        select(r.control, func.count(func.distinct(r.id)))
        .join(Profile, Profile.id == r.profile_id)
        .join(Event, Event.profile_id == live)
        .where(
            r.campaign_id == campaign.id,
            Event.type == "CAMPAIGN_RESPONSE",
            Event.properties["campaignId"].as_string() == str(campaign.id),
        )
        .group_by(r.control)
    )
    value = func.coalesce(Event.price, 0) * func.coalesce(Event.quantity, 1)
    purchases = await session.execute(
        select(r.control, func.sum(value))
        .join(Profile, Profile.id == r.profile_id)
        .join(Event, Event.profile_id == live)
        .where(
            r.campaign_id == campaign.id,
            Event.type == "PURCHASE",
            Event.occurred_at >= campaign.starts_at,
            Event.occurred_at <= campaign.ends_at,
        )
        .group_by(r.id, r.control)
    )
    responded = {bool(control): int(n) for control, n in responses}
    revenues: dict[bool, list[float]] = {False: [], True: []}
    for control, total in purchases:
        revenues[bool(control)].append(float(total or 0))
    found = {False: GroupCounts(), True: GroupCounts()}
    for control, n, reached in sizes:
        found[bool(control)] = GroupCounts(int(n), int(reached), 0, ())
    return {
        control: GroupCounts(
            counts.recipients,
            counts.reached,
            responded.get(control, 0),
            tuple(revenues[control]),
        )
        for control, counts in found.items()
    }


async def forget_reasons(session: AsyncSession, profile_ids: Sequence[str], blank: str) -> None:
    """Erasure: these recipients' frozen segment reasons are replaced by `blank`."""
    await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.profile_id.in_(profile_ids))
        .values(reason=blank)
        .execution_options(synchronize_session=False)
    )
