"""Batch learning on ingest learns exactly what the per-event rule learns (issue 16).

`rapport-hub import` folds a whole chunk at once (`preferences.batch`); the reference here is
the rule it replaced, unchanged: `preferences.learned.accumulate` over each chunk's events
sorted by time, starting from the interests stored before, as `learned.learn` ran it per
chunk. The events are the sample's invoice lines (purchases and returns by CRM id) with views
and baskets by anonymous visitors around them, shuffled so that chunks carry late events, at
three touchpoints, imported into the seeded sample store (whose interests the demo seed learned).

The rule takes events in the order they arrive (a late event in a later chunk adds its weight
decayed; an interest keeps the touchpoint of the last one folded), so the reference takes them
in the order the import stores them: in the file's order with `--window 0`, and by default
grouped by identifier, each identifier's lines in the file's order (`importer.storage_order`).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from datetime import timedelta
from operator import itemgetter
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.catalog.demo_data import read_lines
from hub.catalog.models import Product
from hub.db import Database
from hub.enums import EventType
from hub.events.models import Event
from hub.preferences.learned import Observation, accumulate
from hub.preferences.learning import Interest, Weights
from hub.preferences.models import Affinity
from hub.settings import Settings
from tests.conftest import SAMPLE, hub_command

CHUNK = 400
Triple = tuple[str, str, str]


def write_events(path: Path) -> int:
    rng = random.Random(16)
    records = []
    for n, line in enumerate(read_lines(SAMPLE)):
        records.append(
            {
                "messageId": f"learn-{n}",
                "identifier": {"kind": "CRM_ID", "value": line.customer_id},
                "type": "RETURN" if line.is_return else "PURCHASE",
                "touchpoint": rng.choice(["WEB", "KIOSK", "STORE"]),
                "occurredAt": (
                    line.occurred_at + timedelta(days=rng.choice([-40, 0, 9]))
                ).isoformat(),
                "productSku": line.sku,
                "quantity": abs(line.quantity),
                "price": float(line.price),
            }
        )
        if n % 2 == 0:  # a visitor, or the customer, looked at it (or put it in a basket)
            who = (
                {"kind": "ANONYMOUS_ID", "value": f"learn-visitor-{rng.randrange(150)}"}
                if n % 4
                else {"kind": "CRM_ID", "value": line.customer_id}
            )
            records.append(
                {
                    "messageId": f"learn-{n}-look",
                    "identifier": who,
                    "type": rng.choice(["VIEW", "VIEW", "ADD_TO_CART", "SEARCH"]),
                    "touchpoint": rng.choice(["WEB", "KIOSK"]),
                    "occurredAt": (
                        line.occurred_at - timedelta(minutes=rng.randrange(600))
                    ).isoformat(),
                    "productSku": line.sku,
                }
            )
    rng.shuffle(records)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return len(records)


def copies(rows: list[Affinity]) -> dict[Triple, Interest]:
    return {(r.profile_id, r.key, r.value): Interest.copy_of(r) for r in rows}  # type: ignore[arg-type]


async def stored_interests(url: str) -> dict[Triple, Interest]:
    db = Database(url)
    try:
        async with db.sessions() as session:
            return copies(list(await session.scalars(select(Affinity))))
    finally:
        await db.dispose()


async def per_event_rule(
    url: str, before: dict[Triple, Interest], message_ids: list[str], weights: Weights
) -> dict[Triple, Interest]:
    """What `learned.learn` gave, chunk by chunk, from the stored events and products."""
    db = Database(url)
    try:
        async with db.sessions() as session:
            events = {e.message_id: e for e in await session.scalars(select(Event))}
            products = {p.sku: p for p in await session.scalars(select(Product))}
    finally:
        await db.dispose()
    known = {t: Interest.copy_of(i) for t, i in before.items()}  # type: ignore[arg-type]
    for start in range(0, len(message_ids), CHUNK):
        observations = []
        for message_id in message_ids[start : start + CHUNK]:
            event = events[message_id]
            product = products[event.product_sku or ""]
            observations.append(
                Observation(
                    event.profile_id,
                    EventType(event.type),
                    product.sku,
                    product.category_slug,
                    tuple(product.tags or ()),
                    event.quantity,
                    event.occurred_at,
                    event.touchpoint,
                )
            )
        created = accumulate(known, sorted(observations, key=lambda o: o.at), weights)  # type: ignore[arg-type]
        known.update(created)
    return known


def arrival(path: Path, window: str | None) -> list[str]:
    """The file's message ids in the order the import stores them (the file holds fewer lines
    than one window): as written, or grouped by identifier (kind, value), stable."""
    records = [json.loads(line) for line in path.read_text().splitlines()]
    if window == "0":
        return [r["messageId"] for r in records]
    keyed = [((r["identifier"]["kind"], r["identifier"]["value"]), r["messageId"]) for r in records]
    return [message_id for _, message_id in sorted(keyed, key=itemgetter(0))]


@pytest.mark.parametrize("window", [None, "0"], ids=["grouped", "file-order"])
def test_import_learns_exactly_what_the_per_event_rule_learns(
    make_database, tmp_path: Path, window: str | None
) -> None:  # type: ignore[no-untyped-def]
    url = make_database("learn")
    hub_command(url, "migrate")
    hub_command(url, "seed-demo", str(SAMPLE), "--no-keys")
    before = asyncio.run(stored_interests(url))
    assert before, "the seed learned from the sample's history"
    path = tmp_path / "events.ndjson"
    total = write_events(path)

    options = ["--chunk", str(CHUNK)] + (["--window", window] if window else [])
    done = hub_command(url, "import", str(path), *options)
    assert f"{total:,} lines: {total:,} events stored" in done.stderr, done.stderr

    message_ids = arrival(path, window)
    weights = Weights.from_settings(Settings())
    expected = asyncio.run(per_event_rule(url, before, message_ids, weights))
    learned = asyncio.run(stored_interests(url))

    assert learned.keys() == expected.keys()
    assert len(learned) > len(before) + 500, "new interests, and stored ones folded into"
    changed = [t for t in learned if t in before and learned[t].as_of != before[t].as_of]
    assert len(changed) > 100
    for triple, got in learned.items():
        want = expected[triple]
        assert math.isclose(got.score, want.score, rel_tol=1e-9, abs_tol=1e-9), (triple, got, want)
        assert (got.as_of, got.last_touchpoint) == (want.as_of, want.last_touchpoint), triple
        assert (got.views, got.carts, got.purchases, got.returns) == (
            want.views,
            want.carts,
            want.purchases,
            want.returns,
        ), triple
    # Not only close: the same operations on the same numbers.
    assert sum(got.score != expected[t].score for t, got in learned.items()) == 0
