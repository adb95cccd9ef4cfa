"""A profile read's learned-interest candidates (hub/profile360/statements.py): the statement
for one profile (no window functions) finds exactly the rows the statement for a batch of
profiles finds for it — the strongest by decayed |score|, ties by key and value, and the
newest — on profiles with hundreds of interests, equal scores and equal times."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from hub.db import Database
from hub.preferences.models import Affinity
from hub.profile360 import statements as sql
from hub.profiles.models import Profile
from hub.reads import Read, fetch
from tests.conftest import hub_command

NOW = datetime(2010, 12, 1, tzinfo=UTC)


def _interests(profile_id: str, count: int, rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for i in range(count):
        # Few distinct scores and times, so that equal decayed strengths are common.
        score = rng.choice([0.4, 1.0, 2.5, 2.5, 7.0, -3.0, 12.0])
        as_of = NOW - timedelta(days=rng.choice([0, 0, 3, 30, 31, 200, 700]))
        rows.append(
            {
                "profile_id": profile_id,
                "key": rng.choice(["product", "category", "theme"]),
                "value": f"v{i:04d}",
                "score": score,
                "as_of": as_of,
                "views": i % 4,
                "carts": i % 2,
                "purchases": i % 3,
                "returns": 0,
                "last_touchpoint": "WEB",
                "updated_at": as_of,
            }
        )
    return rows


async def test_one_profile_s_candidates_are_the_batch_s(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("candidates")
    hub_command(url, "migrate")
    db = Database(url)
    rng = random.Random(14)
    sizes = [0, 1, 5, 29, 30, 31, 60, 300, 1200]
    ids = [f"p{n}" for n in range(len(sizes))]
    try:
        async with db.sessions() as session:
            await session.execute(
                insert(Profile.__table__),
                [
                    {
                        "id": i,
                        "traits": {},
                        "is_known": False,
                        "version": 1,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in ids
                ],
            )
            for profile_id, size in zip(ids, sizes, strict=True):
                rows = _interests(profile_id, size, rng)
                if rows:
                    await session.execute(insert(Affinity.__table__), rows)
            await session.commit()
        ranking = {"half_life": 30 * 86400.0, "candidates": sql.LEARNED_CANDIDATES}
        for profile_id, size in zip(ids, sizes, strict=True):
            async with db.sessions() as session:
                batch, one = await fetch(
                    session,
                    [
                        Read(((sql.LEARNED_SQL, {"ids": [profile_id], **ranking}),), list),
                        Read(
                            ((sql.LEARNED_OF_ONE_SQL, {"profile_id": profile_id, **ranking}),),
                            list,
                        ),
                    ],
                )
            assert [list(r) for r in one[0]] == [list(r) for r in batch[0]], profile_id
            shown = sql.LEARNED_CANDIDATES
            assert len(one[0]) in (min(size, shown), min(size, shown + 1)), profile_id
    finally:
        await db.dispose()
