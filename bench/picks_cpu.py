"""CPU time of one call of the recommendation service, in-process, and the picks it gave.

Usage: .venv/bin/python bench/picks_cpu.py --store demo.db [--customers 400] [--rounds 3]
                                           [--dump FILE] [--compare FILE]

Asks `recs.service.recommend` (the function behind `Profile.recommendations`) for demo
customers drawn with a fixed seed, one call at a time, through a read session as the resolver
has: `recommendations(touchpoint: WEB, first: 10)` and, in the first round, `context: {newOnly:
true}` too. The clock is fixed (2011-01-05, a month after the demo data ends) and numpy's BLAS
runs on one thread, as served. Prints process CPU milliseconds a call per round (no HTTP, no
GraphQL: the service's own work, the store's statements included).

--dump writes every customer's picks (sku, score, reason, kind, recommendation id) as JSON;
--compare checks them against such a file byte for byte, so that a change meant to make the
ranking cheaper can show it gives the same lists. Run it from two checkouts on the same store
(PYTHONPATH=<checkout>) and alternate them: CPU time on a shared machine moves by a fifth from
one minute to the next.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import threadpoolctl
from sqlalchemy import text

# Appended, not put first: PYTHONPATH=<another checkout> runs that checkout's hub.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from hub.db import Database, clock_at, remember_reads
from hub.recs import service as recs
from hub.settings import Settings
from hub.weights import Weights

CLOCK = datetime(2011, 1, 5, tzinfo=UTC)
Answer = list[tuple[str, float, str, str, str]]


async def ask(db: Database, profile_id: str, weights: Weights, new_only: bool) -> Answer:
    async with db.sessions() as session:
        remember_reads(session)
        picks = await recs.recommend(
            session, profile_id, 1, 10, weights, holdout_percent=0.0, new_only=new_only
        )
    return [(p.product.sku, p.score, p.reason, p.kind, p.recommendation_id) for p in picks]


async def run(store: str, customers: int, rounds: int) -> dict[str, list[Answer]]:
    db = Database(f"sqlite+aiosqlite:///{store}")
    weights = Weights.from_settings(Settings())
    try:
        async with db.sessions() as session:
            found = await session.execute(
                text("SELECT profile_id FROM identifiers WHERE kind = 'CRM_ID' ORDER BY value")
            )
            ids = [row[0] for row in found]
        random.Random(7).shuffle(ids)
        ids = ids[:customers]
        answers: dict[str, list[Answer]] = {}
        with clock_at(CLOCK):
            await ask(db, ids[0], weights, False)  # the catalogue and the model, loaded once
            for round_ in range(rounds):
                started = time.process_time()
                for profile_id in ids:
                    default = await ask(db, profile_id, weights, False)
                    if round_ == 0:
                        answers[profile_id] = [default, await ask(db, profile_id, weights, True)]
                calls = len(ids) * (2 if round_ == 0 else 1)
                took = (time.process_time() - started) * 1000 / calls
                what = "default and newOnly" if round_ == 0 else "default"
                print(f"round {round_ + 1}: {took:.2f} ms of CPU a call ({what})")
        return answers
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dump")
    parser.add_argument("--compare")
    args = parser.parse_args()
    print(f"hub from {Path(recs.__file__).parents[2]}")
    with threadpoolctl.threadpool_limits(1):
        answers = asyncio.run(run(args.store, args.customers, args.rounds))
    written = json.dumps(answers, sort_keys=True)
    if args.dump:
        Path(args.dump).write_text(written, encoding="utf-8")
    if args.compare:
        same = Path(args.compare).read_text(encoding="utf-8") == written
        print(f"picks of {len(answers)} customers {'identical' if same else 'DIFFERENT'}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
