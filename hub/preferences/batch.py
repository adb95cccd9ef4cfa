"""Learning for a batch of thousands of events at once (`track`, `rapport-hub import`).

The rule is `learned.accumulate`'s, to the last bit: each learned interest folds its events in
time order (`learning.fold`, the same operations on the same numbers), starting from its stored
row. What changes is the bookkeeping around it: observations grouped by (profile, key, value)
first, the stored rows read once for the whole batch as plain tuples through the primary key,
and written back with one UPDATE and one INSERT executemany, no ORM objects.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from operator import itemgetter

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.enums import EventType
from hub.preferences import repository as repo
from hub.preferences.learned import Observation, not_forgotten
from hub.preferences.learning import Weights
from hub.preferences.models import Affinity

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Which counter an event type moves (Interest.count): views, carts, purchases, returns.
_COUNTER = {
    EventType.VIEW: 0,
    EventType.RECOMMENDATION_CLICKED: 0,
    EventType.SEARCH: 0,
    EventType.ADD_TO_CART: 1,
    EventType.PURCHASE: 2,
    EventType.SAMPLE: 2,
    EventType.RETURN: 3,
}
Triple = tuple[str, str, str]
# One event as one interest sees it: (µs since the epoch, moment, weight, counter, touchpoint).
Step = tuple[int, datetime, float, int | None, str]


def group(observations: Sequence[Observation], weights: Weights) -> dict[Triple, list[Step]]:
    """Each interest's events in time order (ties in arrival order, as `learn` sorted them),
    those that teach nothing about taste left out."""
    weight_of: dict[tuple[EventType, int | None], float | None] = {}
    micros_of: dict[datetime, int] = {}  # a batch repeats its moments (an order's lines)
    for obs in observations:
        if obs.at not in micros_of:
            micros_of[obs.at] = (obs.at - _EPOCH) // _MICROSECOND
    timed = sorted(
        ((micros_of[obs.at], obs) for obs in observations), key=itemgetter(0)
    )  # stable: events at the same moment keep their order
    groups: dict[Triple, list[Step]] = {}
    for micros, obs in timed:
        key = (obs.event_type, obs.quantity)
        if key not in weight_of:
            weight_of[key] = weights.for_event(obs.event_type, obs.quantity)
        weight = weight_of[key]
        if weight is None:
            continue
        step = (micros, obs.at, weight, _COUNTER.get(obs.event_type), obs.touchpoint)
        pid = obs.profile_id
        groups.setdefault((pid, "product", obs.sku), []).append(step)
        if obs.category:
            groups.setdefault((pid, "category", obs.category), []).append(step)
        for tag in obs.tags:
            groups.setdefault((pid, "theme", tag), []).append(step)
    return groups


def fold_groups(
    stored: dict[Triple, repo.LearnedRow],
    groups: dict[Triple, list[Step]],
    half_life_seconds: float,
    now: datetime,
) -> tuple[list[repo.LearnedRow], list[repo.LearnedRow]]:
    """(changed rows, new rows): every group folded into its stored row, or into a new one.

    `learning.fold` step for step — `decayed` when the event is at or after the score's time,
    its weight decayed to that time when it is late — on integer microseconds, whose difference
    divided by 10**6 is exactly `timedelta.total_seconds()`.
    """
    changed: list[repo.LearnedRow] = []
    created: list[repo.LearnedRow] = []
    for triple, steps in groups.items():
        row = stored.get(triple)
        if row is None:
            score, as_of = 0.0, steps[0][1]
            counts = [0, 0, 0, 0]
        else:
            score, as_of = row[3], row[4]
            counts = [row[5] or 0, row[6] or 0, row[7] or 0, row[8] or 0]
        as_of_micros = (as_of - _EPOCH) // _MICROSECOND
        for micros, at, weight, counter, _ in steps:
            if micros >= as_of_micros:
                elapsed = (micros - as_of_micros) / 1_000_000
                if elapsed > 0:
                    score = score * math.pow(2.0, -elapsed / half_life_seconds)
                score = score + weight
                as_of_micros, as_of = micros, at
            else:
                late = (as_of_micros - micros) / 1_000_000
                score = score + weight * math.pow(2.0, -late / half_life_seconds)
            if counter is not None:
                counts[counter] += 1
        touchpoint = steps[-1][4]  # the last event's, as each event sets it
        views, carts, purchases, returns = counts
        folded: repo.LearnedRow = (
            *triple, score, as_of, views, carts, purchases, returns, touchpoint, now
        )  # fmt: skip
        (created if row is None else changed).append(folded)
    return changed, created


async def learn(
    session: AsyncSession,
    observations: Sequence[Observation],
    weights: Weights,
    new_profiles: Collection[str] = (),
    forgotten: Mapping[tuple[str, str, str], datetime] | None = None,
) -> int:
    """Fold a batch of events into learned interests, in the caller's transaction (what
    `learned.learn` does event by event). Returns the interests written. `new_profiles`:
    profiles this transaction created, which have nothing stored to look up; `forgotten`:
    the other profiles' forgotten interests when the caller read them already
    (`repository.forgotten_markers`)."""
    observations = await not_forgotten(session, observations, new_profiles, forgotten)
    groups = group(observations, weights)
    if not groups:
        return 0
    await session.flush()  # whatever this transaction changed before, written first
    # In key order: the lookups, the updates and the new rows walk the table's primary key page
    # after page rather than at random (on a big store, fewer pages read and dirtied).
    wanted = sorted(t for t in groups if t[0] not in new_profiles)
    stored = {(r[0], r[1], r[2]): r for r in await repo.learned_rows(session, wanted)}
    changed, created = fold_groups(stored, groups, weights.half_life_seconds, utcnow())
    changed.sort(key=itemgetter(0, 1, 2))
    created.sort(key=itemgetter(0, 1, 2))
    await repo.write_learned(session, changed, created)
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Affinity):  # written around the unit of work: read again
            session.expire(instance)
    return len(changed) + len(created)
