"""The demo store's segments, content and call-center offers (added once, by `seed-demo`).

Names and descriptions are written for the customer too: the kiosk ledger shows them.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.segments import repository as repo
from hub.segments import service, slots

SEGMENTS = (
    (
        "Christmas shoppers",
        "Buy or browse Christmas decorations, or told us they like them.",
        {"preference": {"key": "category", "value": "christmas"}},
    ),
    (
        "Kitchen & baking fans",
        "Interested in kitchen and baking, by what they do or say.",
        {"preference": {"key": "category", "value": "kitchen-baking"}},
    ),
    (
        "Big spenders",
        "Our most loyal customers: £2,000 or more with us over the years.",
        {"spend": {"atLeast": 2000}},
    ),
    (
        "Frequent returners",
        "Sent several things back, so that we can check everything was all right.",
        {"event": {"type": "RETURN", "atLeast": 3}},
    ),
    (
        "Active customers",
        "Bought from us in the past year.",
        {"event": {"type": "PURCHASE", "withinDays": 365}},
    ),
    (
        "Email newsletter audience",
        "Have an email address with us and agreed to marketing emails.",
        {
            "all": [
                {"identifier": {"kind": "EMAIL"}},
                {"consent": {"purpose": "MARKETING_EMAIL", "granted": True}},
            ]
        },
    ),
)

CONTENT = (
    # slot, name, title, body, segment name, priority
    (
        "kiosk-home",
        "Welcome",
        "Welcome to the gift shop",
        "Browse by department or ask us for picks just for you.",
        None,
        0,
    ),
    (
        "kiosk-home",
        "Christmas collection",
        "The Christmas collection is in",
        "Baubles, lights and advent calendars: see what's new this season.",
        "Christmas shoppers",
        10,
    ),
    (
        "next-best-action",
        "Trade account",
        "Offer a trade account",
        "As one of our larger customers you could order at trade prices with a trade account. "
        "Shall I tell you more?",
        "Big spenders",
        0,
    ),
    (
        "next-best-action",
        "Baking masterclass",
        "Invite to the baking masterclass",
        "We're running a free baking masterclass in store next month. Would you like a place?",
        "Kitchen & baking fans",
        0,
    ),
)


async def seed(session: AsyncSession) -> int:
    """Add what is missing (by name); returns how many items were added."""
    added = 0
    by_name = {s.name: s for s in await repo.all_segments(session)}
    for name, description, rule in SEGMENTS:
        if name not in by_name:
            by_name[name] = await service.save_segment(
                session, service.SegmentIn(name, rule, description), "seed-demo"
            )
            added += 1
    existing = {(c.slot, c.name) for c in await repo.content_in(session, None)}
    for slot, name, title, body, segment, priority in CONTENT:
        if (slot, name) in existing:
            continue
        await slots.save_content(
            session,
            slots.ContentIn(
                slot=slot,
                name=name,
                title=title,
                body=body,
                segment_id=by_name[segment].id if segment else None,
                priority=priority,
            ),
        )
        added += 1
    return added
