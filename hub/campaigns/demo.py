"""The demo store's finished example campaign: an A/A check (added once, by `seed-demo`).

Nobody in the demo really received a mailing, so the example invents no responses: it is an
A/A check. It runs over the last two whole months of the store's purchase history (`window`):
on the demo file as of 1 October 2010, over the "Active customers" segment as it stood that day
(bought in the year before), holding half of them out as the control group, and is evaluated
on what both groups really bought in October and November 2010; on another file of the same
shape (a later year, a retailer's own export) the same two months before its last. Neither
group was sent anything, so no lift is expected, and the report says so. A newcomer sees a
campaign section with real figures and learns how to read one: what chance alone looks like.

The split is keyed on the data file's own customer number (CRM_ID) rather than on the store's
profile ids, which differ from one store to the next, so every demo store gets the same two
groups and the same figures. Like the product's own split, it is a hash drawn blind to what
the customers did, fixed before any outcome is seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.campaigns import repository as repo
from hub.campaigns import service
from hub.campaigns.models import Campaign
from hub.db import clock_at
from hub.events.partitions import add_months, month_of
from hub.segments import service as segments
from hub.weights import Weights

SEGMENT = "Active customers"  # hub/segments/demo.py
CONTROL_PERCENT = 50.0
MONTHS = 2
# The season a month is in, by its number (December, January and February are winter).
_SEASONS = ("winter",) * 2 + ("spring",) * 3 + ("summer",) * 3 + ("autumn",) * 3 + ("winter",)


def window(last_purchase: datetime) -> tuple[datetime, datetime]:
    """(run, end): the MONTHS whole months before the month of the last purchase stored (on
    the demo file, whose last purchase is on 9 December 2010: 1 October → 1 December 2010)."""
    end = month_of(last_purchase)
    return add_months(end, -MONTHS), end


def name_for(run_at: datetime) -> str:
    """ "A/A check: active customers, autumn 2010 (nothing sent)" for a run on 1 October 2010."""
    return f"A/A check: active customers, {_SEASONS[run_at.month - 1]} {run_at.year} (nothing sent)"


def held_out(customer: str) -> bool:
    """Half of the customers, by a hash of their number in the data file."""
    digest = hashlib.sha256(f"aa-check:{customer}".encode()).hexdigest()
    return int(digest[:8], 16) % 10_000 < CONTROL_PERCENT * 100


async def seed(
    session: AsyncSession, weights: Weights, customer_of: Mapping[str, str]
) -> Campaign | None:
    """Create and run the A/A check unless it exists; None when it does, or when the store's
    history does not reach from before the run to the end of its window (a file of less than
    about three months).

    `customer_of`: profile id → the customer number it was seeded from."""
    first, last = await repo.purchase_span(session)
    if first is None or last is None:
        return None
    run_at, ends_at = window(last)
    name = name_for(run_at)
    if await repo.campaign_named(session, name) is not None:
        return None
    segment = next((s for s in await segments.all_segments(session) if s.name == SEGMENT), None)
    if segment is None or not first < run_at:
        return None
    with clock_at(run_at):  # the audience as it stood that day: events after it do not count
        campaign = await service.create_campaign(
            session,
            service.CampaignIn(
                name=name,
                segment_id=segment.id,
                purpose=service.AA_PURPOSE,
                starts_at=run_at,
                ends_at=ends_at,
                control_percent=CONTROL_PERCENT,
                aa_check=True,
            ),
        )
        return await service.run_campaign(
            session,
            campaign.id,
            weights,
            control=lambda profile_id: held_out(customer_of.get(profile_id, profile_id)),
        )
