"""The demo store's finished example campaign: an A/A check (added once, by `seed-demo`).

Nobody in the demo really received a mailing, so the example invents no responses: it is an
A/A check. It runs as of 1 October 2010, in the middle of the demo history, over the "Active
customers" segment as it stood that day (bought in the year before), holds half of them out as
the control group, and is evaluated on what both groups really bought in October and November
2010. Neither group was sent anything, so no lift is expected, and the report says so. A
newcomer sees a campaign section with real figures and learns how to read one: what chance
alone looks like.

The split is keyed on the data file's own customer number (CRM_ID) rather than on the store's
profile ids, which differ from one store to the next, so every demo store gets the same two
groups and the same figures. Like the product's own split, it is a hash drawn blind to what
the customers did, fixed before any outcome is seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.campaigns import repository as repo
from hub.campaigns import service
from hub.campaigns.models import Campaign
from hub.db import clock_at
from hub.segments import service as segments
from hub.weights import Weights

NAME = "A/A check: active customers, autumn 2010 (nothing sent)"
SEGMENT = "Active customers"  # hub/segments/demo.py
RUN_AT = datetime(2010, 10, 1, tzinfo=UTC)
ENDS_AT = datetime(2010, 12, 1, tzinfo=UTC)
CONTROL_PERCENT = 50.0


def held_out(customer: str) -> bool:
    """Half of the customers, by a hash of their number in the data file."""
    digest = hashlib.sha256(f"aa-check:{customer}".encode()).hexdigest()
    return int(digest[:8], 16) % 10_000 < CONTROL_PERCENT * 100


async def seed(
    session: AsyncSession, weights: Weights, customer_of: Mapping[str, str]
) -> Campaign | None:
    """Create and run the A/A check unless it exists; None when it does, or when the store's
    history does not reach from before the run to the end of its window (another data file).

    `customer_of`: profile id → the customer number it was seeded from."""
    if await repo.campaign_named(session, NAME) is not None:
        return None
    segment = next((s for s in await segments.all_segments(session) if s.name == SEGMENT), None)
    first, last = await repo.purchase_span(session)
    if segment is None or first is None or last is None or not first < RUN_AT <= ENDS_AT <= last:
        return None
    with clock_at(RUN_AT):  # the audience as it stood that day: events after it do not count
        campaign = await service.create_campaign(
            session,
            service.CampaignIn(
                name=NAME,
                segment_id=segment.id,
                purpose=service.AA_PURPOSE,
                starts_at=RUN_AT,
                ends_at=ENDS_AT,
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
