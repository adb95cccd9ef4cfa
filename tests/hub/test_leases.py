"""Leases (hub/leases.py): one process at a time does a job among those sharing a store —
taken when free or run out, kept by renewing, given back; retraining holds one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hub.db import Database
from hub.leases import Lease
from hub.recs import training
from tests.conftest import hub_command


@pytest.fixture
async def db(make_database) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    url = make_database("leases")
    hub_command(url, "migrate")
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


async def test_one_holder_at_a_time_until_given_back_or_run_out(db: Database) -> None:
    first, second = Lease("job", 30), Lease("job", 30)
    assert await first.held(db)
    assert not await second.held(db), "held by another"
    assert await first.held(db), "its holder keeps it"
    await first.give_back(db)
    assert await second.held(db), "free once given back"
    assert not await first.held(db)
    other = Lease("another job", 30)
    assert await other.held(db), "each job has its own"

    short, waiting = Lease("brief", 0.3), Lease("brief", 0.3)
    assert await short.held(db)
    assert not await waiting.held(db)
    await asyncio.sleep(0.4)  # its holder stopped renewing (a killed process)
    assert await waiting.held(db), "taken once its time is up"
    assert not await short.held(db), "and its old holder knows it lost it"


async def test_processes_starting_on_a_store_without_a_model_train_it_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained: list[str] = []

    async def slow_retrain(_db: Database) -> None:
        trained.append("model")
        await asyncio.sleep(0.5)

    monkeypatch.setattr(training, "retrain", slow_retrain)
    leases = [training.training_lease() for _ in range(3)]
    done = await asyncio.gather(*(training.retrain_if_due(db, lease, None) for lease in leases))
    assert sorted(done) == [False, False, True] and trained == ["model"]
    assert await Lease("retrain", 1).held(db), "given back after training"
