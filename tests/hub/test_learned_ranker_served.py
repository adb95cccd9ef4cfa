"""The learned re-ranker through the served path: a store seeded (by the code behind
`seed-demo`) from a synthetic file big enough to learn from, `retrain` storing the ranker beside
the EASE weights, and `recs.service.recommend` (what `Profile.recommendations` calls) ordering a
regular customer's list by it, with reasons that state their cadence."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from hub.db import Database, clock_at, remember_reads
from hub.demo.seed import seed_store
from hub.migrate import upgrade
from hub.profiles import service as profiles
from hub.recs import service as recs
from hub.recs import training
from hub.recs.models import RecModel
from hub.settings import Settings
from hub.weights import Weights
from tests.hub.recs_world import NOW, is_regular, sku_of, write_csv


async def test_retrain_learns_the_ranker_and_the_service_serves_by_it(tmp_path: Path) -> None:
    data = tmp_path / "world.csv.gz"
    crm_ids = write_csv(data)
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    settings = Settings(database_url=url, holdout_percent=0.0)
    recs.serving.forget()
    try:
        with clock_at(NOW):
            seeded = await seed_store(db, settings, str(data), Console(quiet=True))
            row = await training.retrain(db)
            assert row is not None
            async with db.sessions() as session:
                stored = await session.scalar(select(RecModel.ranker).where(RecModel.id == row.id))
                assert stored, "retrain stores the learned ranker beside the EASE weights"
            regulars = [c for c in sorted(crm_ids) if is_regular(c)][:15]
            firsts = []
            for customer in regulars:
                profile_id = seeded.owners[crm_ids[customer]][0]
                async with db.sessions() as session:
                    remember_reads(session)
                    profile = await profiles.get_live(session, profile_id)
                    assert profile is not None
                    picks = await recs.recommend(
                        session, profile.id, profile.version, 10, Weights.from_settings(settings)
                    )
                firsts.append(picks[0])
            assert recs.serving.ranker is not None, "the service loaded the learned ranker"
    finally:
        await db.dispose()
        recs.serving.forget()
    # A regular's list opens with one of their staples, and says how often they buy it.
    assert all(sku_of(p.product.sku).startswith("S") for p in firsts), [
        p.product.sku for p in firsts
    ]
    assert all(p.kind == "REBUY" for p in firsts)
    cadence = re.compile(r"^You buy this about every \d+ (days|weeks); last time .+ ago$")
    assert sum(bool(cadence.match(p.reason)) for p in firsts) >= 12, [p.reason for p in firsts]
