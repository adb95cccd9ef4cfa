"""`rapport-hub import` of a generated file against a raw-insert floor.

Usage: .venv/bin/python bench/import_events.py [--lines 20000] [--runs 2] [--store DB --data CSV]
Seeds a SQLite store with tests/data's sample once (or copies a store already seeded, e.g. the
demo store with `--store rapport.db --data ../shared/data/online_retail_ii_2009_2010.csv.gz`:
what importing costs once the tables are big), then for each run imports the same NDJSON
file into a fresh copy of it with the real CLI: half the events from the sample's CRM customers,
half from 5,000 anonymous visitors, every third event a PURCHASE with quantity and price, products
drawn from the catalogue (seeded, so every run and every version gets the same file).
Floor: as many event-shaped rows inserted with stdlib sqlite3 executemany and one commit
(bench/timing.py).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import executemany_floor, print_rates
from hub.catalog.demo_data import read_lines
from tests.conftest import SAMPLE, hub_command, prepare_database


def write_events(path: Path, lines: int, crm_ids: list[str], skus: list[str]) -> None:
    rng = random.Random(7)
    with path.open("w") as out:
        for i in range(lines):
            who = (
                {"kind": "CRM_ID", "value": rng.choice(crm_ids)}
                if i % 2
                else {"kind": "ANONYMOUS_ID", "value": f"import-bench-{rng.randrange(5000)}"}
            )
            event = {
                "messageId": f"import-bench-{i}",
                "identifier": who,
                "type": "VIEW",
                "touchpoint": "WEB",
                "occurredAt": f"2010-12-{1 + i % 9:02d}T10:{i % 60:02d}:00Z",
                "productSku": rng.choice(skus),
            }
            if i % 3 == 0:
                event.update(type="PURCHASE", quantity=1 + i % 4, price=2.5)
            out.write(json.dumps(event) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--store", help="a seeded SQLite store to import into (copied per run)")
    parser.add_argument("--data", default=str(SAMPLE), help="the CSV the store was seeded from")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rapport-import-bench-"))
    try:
        seeded = work / "seeded.db"
        if args.store:
            shutil.copy(args.store, seeded)
        else:
            prepare_database(f"sqlite+aiosqlite:///{seeded}")
        sample = list(read_lines(args.data))
        skus = sorted({line.sku for line in sample})
        events = work / "events.ndjson"
        write_events(events, args.lines, sorted({line.customer_id for line in sample}), skus)
        rates = []
        for _ in range(args.runs):
            target = work / "import.db"
            for stale in work.glob("import.db*"):
                stale.unlink()
            shutil.copy(seeded, target)
            done = hub_command(f"sqlite+aiosqlite:///{target}", "import", str(events))
            found = re.search(r"([\d,]+) events/s", done.stdout + done.stderr)
            assert found, done.stdout + done.stderr
            rates.append(float(found.group(1).replace(",", "")))
        with sqlite3.connect(work / "floor.db") as raw:
            floor = statistics.median(executemany_floor(raw, skus, args.lines) for _ in range(3))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_rates(floor, {f"rapport-hub import, run {i}": r for i, r in enumerate(rates, 1)})


if __name__ == "__main__":
    main()
