"""What each part of `rapport-hub import` costs at a million events: the same import run as
it is, with its lines read and checked beforehand, and without learning (issue 16, goal 3).

Usage: .venv/bin/python bench/import_parts.py [--store /tmp/rapport-big.db] [--lines 100000]
           [--runs 2] [--chunk 10000] [--data ../shared/data/online_retail_ii_2009_2010.csv.gz]

The store and the events are bench/ingest_big.py's (the store built by it when missing: over a
million events and a million and a half learned interests; the events half from the demo's CRM
customers, half from anonymous visitors, every third a PURCHASE). Each run imports the same file
in-process (`hub.events.importer.run`, the code behind the CLI, the bulk collector settings of
`hub.memory.for_bulk_work`) into a fresh copy of the store, once in each way, alternated, each in
a process of its own:

- `as is`: what the CLI does (`hub.cli.main(["import", …])`);
- `lines checked before`: every line read, parsed and validated before the clock starts, so the
  import's own reading and checking cost nothing — the most that moving them to another process
  could gain;
- `no learning`: `preferences.batch.learn` skipped — what the events, identifiers, profiles,
  versions and audit rows cost without the learned interests (the learned interests are then
  wrong: this measures, it is not a mode of the product).

The rates are the CLI's own (timed until the store is closed); a store of an older schema is
migrated (in each copy) before its clock starts, as the CLI does.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest_big import DATA, build, events_per_second, write_bench_events  # noqa: E402

WAYS = ("as is", "lines checked before", "no learning")


def _one(way: str, store: Path, events: Path, chunk: int) -> float:
    """Import `events` into `store` one way, with the CLI's own code in this process
    (`hub.cli.main`: the migration check, the bulk collector, the rate timed until the store
    is closed); events/s."""
    from hub import cli
    from hub.events import importer, ingest
    from hub.events import service as events_service
    from hub.settings import Settings

    os.environ["RAPPORT_DATABASE_URL"] = f"sqlite+aiosqlite:///{store}"
    settings = Settings()
    if way == "lines checked before":
        checked = []
        for _, record in importer.records(events):
            assert isinstance(record, dict), record
            (event,) = events_service.validate(
                [importer.event_from(record)],
                1,
                settings.max_properties_bytes,
                settings.default_region,
            )
            checked.append(event)
        shim: Any = types.SimpleNamespace(
            **{name: getattr(events_service, name) for name in dir(events_service)}
        )
        shim.validate = lambda batch, *_: (checked[batch[0]],)
        importer.events = shim
        importer.records = lambda _path: ((n + 1, n) for n in range(len(checked)))
        importer.event_from = lambda n: n
    elif way == "no learning":

        async def learn_nothing(*_args: Any, **_kwargs: Any) -> None:
            return None

        ingest.learning = types.SimpleNamespace(learn=learn_nothing)
    said = io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        status = cli.main(["import", str(events), "--chunk", str(chunk)])
    assert status == 0, said.getvalue()
    return events_per_second(said.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="/tmp/rapport-big.db")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--way", choices=WAYS, help=argparse.SUPPRESS)  # one run, in a child
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--events", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.way:
        print(json.dumps(_one(args.way, Path(args.target), Path(args.events), args.chunk)))
        return
    store = Path(args.store)
    work = Path(tempfile.mkdtemp(prefix="rapport-import-parts-"))
    try:
        if not store.exists():
            build(store, args.data, work)
        events = work / "events.ndjson"
        write_bench_events(events, args.data, args.lines)
        rates: dict[str, list[float]] = {way: [] for way in WAYS}
        for run in range(args.runs):
            order = WAYS[run % len(WAYS) :] + WAYS[: run % len(WAYS)]
            for way in order:
                target = work / "import.db"
                shutil.copy(store, target)
                child = [sys.executable, __file__, "--way", way, "--target", str(target)]
                done = subprocess.run(
                    [*child, "--events", str(events), "--chunk", str(args.chunk)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rates[way].append(json.loads(done.stdout.splitlines()[-1]))
                for stale in work.glob("import.db*"):
                    stale.unlink()
        print(f"{args.lines:,} events into copies of {store}, chunks of {args.chunk:,}")
        print(f"{'':24} events/s, each run")
        for way, found in rates.items():
            print(f"{way:24} " + " / ".join(f"{rate:,.0f}" for rate in found))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
