"""How `evaluation` counts the personalised group's recommendation click-through, on hand-made
events (no hub, no database: the session only streams the events it is given)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.enums import EventType
from hub.events.models import Event
from hub.recs.evaluation import Evaluation, GroupStats, _lifts, evaluate

START = datetime(2026, 11, 1, tzinfo=UTC)


class Streaming:
    """What `evaluate` asks of its session: the events, in time order."""

    def __init__(self, events: list[Event]) -> None:
        self.events = sorted(events, key=lambda e: (e.occurred_at, e.id))

    async def stream_scalars(self, _query: Any) -> AsyncIterator[Event]:
        async def rows() -> AsyncIterator[Event]:
            for event in self.events:
                yield event

        return rows()


def event(n: int, kind: EventType, sku: str | None, minutes: int, profile: str = "p1") -> Event:
    return Event(
        id=n,
        message_id=f"m{n}",
        profile_id=profile,
        type=kind.value,
        touchpoint="WEB",
        occurred_at=START + timedelta(minutes=minutes),
        product_sku=sku,
        properties={},
    )


def personalised(events: list[Event]) -> GroupStats:
    found: Evaluation = asyncio.run(
        evaluate(Streaming(events), START, START + timedelta(days=1), None, 0.0)  # type: ignore[arg-type]
    )
    return found.personalized


SHOWN, CLICKED = EventType.RECOMMENDATION_SHOWN, EventType.RECOMMENDATION_CLICKED


def test_a_click_counts_against_the_impression_of_its_product() -> None:
    stats = personalised(
        [
            event(1, SHOWN, "A", 1),
            event(2, SHOWN, "B", 1),
            event(3, CLICKED, "A", 2),
            event(4, CLICKED, "A", 3),  # a second click on one impression
            event(5, CLICKED, "C", 3),  # never shown
        ]
    )
    assert (stats.impressions, stats.clicks, stats.click_through) == (2, 1, 0.5)


def test_clicks_sent_without_their_impressions_keep_the_rate_a_proportion() -> None:
    only_clicks = [event(n, CLICKED, f"S{n}", n) for n in range(1, 6)]
    stats = personalised([event(0, SHOWN, "S1", 0), *only_clicks])
    assert (stats.impressions, stats.clicks) == (1, 1)
    assert 0.0 <= stats.click_through <= 1.0


def test_an_impression_before_the_window_is_not_clicked_inside_it() -> None:
    stats = personalised([event(1, SHOWN, "A", -30), event(2, CLICKED, "A", 5)])
    assert (stats.impressions, stats.clicks) == (0, 0)


def test_a_click_naming_no_product_uses_any_open_impression() -> None:
    stats = personalised([event(1, SHOWN, "A", 1), event(2, CLICKED, None, 2)])
    assert (stats.impressions, stats.clicks) == (1, 1)
    assert personalised([event(1, CLICKED, None, 2)]).clicks == 0


def test_lifts_of_an_impossible_rate_are_still_computed() -> None:
    # Figures such as a store written before clicks were matched: the report must not fail.
    odd = GroupStats(customers=4, buyers=1, impressions=2, clicks=5)
    lifts = {lift.metric: lift for lift in _lifts(odd, odd)}
    click = lifts["click_through"]
    assert click.low == click.high == 0.0
