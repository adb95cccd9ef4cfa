"""How the hub's processes use Python's cyclic garbage collector."""

from __future__ import annotations

import gc

# The generations' thresholds for bulk writes (CPython's defaults: 700, 10, 10), measured in
# docs/performance.md, goal 3, eighth round; and for serving (goal 1, twelfth round).
BULK_THRESHOLDS = (50_000, 20, 20)
SERVING_THRESHOLDS = (5_000, 10, 10)


def settle() -> None:
    """What the start built (modules, mappers, the schema, settings: ~165k objects) lives as
    long as the process: freeze it out of the cyclic collector's scans, so that a full
    collection walks what requests made. Unfrozen, each one walked them all and stalled every
    request in flight for ~120-150 ms on the demo store (docs/performance.md)."""
    gc.collect()
    gc.freeze()


def for_serving() -> None:
    """`settle`, then collect the youngest generation every 5,000 net allocations instead of
    every 700. A profile read makes a few thousand objects that reference counting frees when
    it ends; at 700 the collector scanned those still in flight several times a read (~5 % of
    a served hub's CPU). At 5,000 a served read took ~3 % less CPU and a write's push latency
    (p99) stayed level; 10,000 and 50,000 lengthened it (docs/performance.md)."""
    settle()
    gc.set_threshold(*SERVING_THRESHOLDS)


def for_bulk_work() -> None:
    """`settle`, then collect the youngest generation every 50,000 net allocations instead of
    every 700: for a process that writes many rows in big transactions (`rapport-hub import`,
    `seed-demo`). An import chunk of 10,000 events builds hundreds of thousands of tuples, rows
    and dicts that reference counting frees by itself; at 700 the collector scanned the live
    ones again and again (~15 % of an import's samples). Cycles (sessions, futures) are still
    collected, a little later. `serve` keeps a smaller step (`for_serving`): there these
    thresholds made `track` batches 7-9 % faster but a single write's p99 push latency 2-8 ms
    longer."""
    settle()
    gc.set_threshold(*BULK_THRESHOLDS)
