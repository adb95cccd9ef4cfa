"""How a hub process sets itself up to serve (docs/performance.md): BLAS on one thread (many
small matrix products at once, every picks read has one, on OpenBLAS's thread per core spun
on the cores the other requests need, about doubling a read's CPU), and what the start built
frozen out of the cyclic collector's scans (a full collection walked it all, ~135 ms of
stalled requests each time), and the youngest generation collected less often than CPython's
default."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from hub import memory
from hub.app import create_app
from hub.settings import Settings


def _blas_threads() -> list[int]:
    return [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]


def test_a_hub_process_runs_blas_on_one_thread(tmp_path: Path) -> None:
    np.ones((2, 2)) @ np.ones((2, 2))  # BLAS loaded
    limits = threadpool_limits(limits=2, user_api="blas")  # as a fresh process on 2+ cores
    try:
        assert _blas_threads() and all(n == 2 for n in _blas_threads())
        create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/threads.db"))
        assert all(n == 1 for n in _blas_threads())
    finally:
        limits.restore_original_limits()


async def test_a_started_hub_keeps_what_it_built_out_of_the_collectors_scans(
    tmp_path: Path,
) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/frozen.db"))
    gc.unfreeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's own, as a fresh process starts
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 10_000  # the modules, mappers and schema
            started = len(gc.get_objects())
            assert started < gc.get_freeze_count() / 2
            # The youngest generation collected every 5,000 allocations, not every 700.
            assert gc.get_threshold() == memory.SERVING_THRESHOLDS == (5_000, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
