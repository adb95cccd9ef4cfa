"""The synthetic stores of bench/profiles_scale.py: the shapes of the template store's real
customers (`Shape`, `_shapes`), a store of any size built from them with stdlib sqlite3
(`_build`), the stated preferences and consents the demo data lacks (`_said`, `_consented`),
and a built store's row counts (`_counts`). bench/profiles_scale.py's docstring describes how
the stores are made and why."""

from __future__ import annotations

import math
import os
import random
import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HALF_LIFE_SECONDS = 30 * 86400.0  # settings.affinity_half_life_days, the default
CHUNK = 50_000


# ---------------------------------------------------------------- the template's shapes


@dataclass
class Shape:
    """One real customer's rows, without ids."""

    profile: tuple[Any, ...]
    identifiers: list[tuple[Any, ...]] = field(default_factory=list)
    stated: list[tuple[Any, ...]] = field(default_factory=list)
    consents: list[tuple[Any, ...]] = field(default_factory=list)
    learned: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)


def _when(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _shapes(template: Path, events_cap: int, interests_cap: int) -> list[Shape]:
    db = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    crm = {
        pid
        for (pid,) in db.execute(
            "SELECT i.profile_id FROM identifiers i JOIN profiles p ON p.id = i.profile_id "
            "WHERE i.kind = 'CRM_ID' AND p.merged_into_id IS NULL AND p.erased_at IS NULL"
        )
    }
    shapes: dict[str, Shape] = {}
    for row in db.execute(
        "SELECT id, first_name, last_name, search_name, traits, is_known, version, created_at, "
        "updated_at FROM profiles"
    ):
        if row[0] in crm:
            shapes[row[0]] = Shape(profile=row[1:])
    for pid, *rest in db.execute(
        "SELECT profile_id, kind, value, touchpoint, created_at, verified_at FROM identifiers "
        "ORDER BY id"
    ):
        if pid in shapes:
            shapes[pid].identifiers.append(tuple(rest))
    for pid, *rest in db.execute(
        'SELECT profile_id, "key", value, "like", weight, touchpoint, origin, created_at, '
        "updated_at FROM preferences ORDER BY id"
    ):
        if pid in shapes:
            shapes[pid].stated.append(tuple(rest))
    for pid, *rest in db.execute(
        "SELECT profile_id, purpose, granted, touchpoint, updated_at, expires_at FROM consents"
    ):
        if pid in shapes:
            shapes[pid].consents.append(tuple(rest))
    learned: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for pid, *rest in db.execute(
        'SELECT profile_id, "key", value, score, as_of, views, carts, purchases, returns, '
        "last_touchpoint, updated_at FROM affinities"
    ):
        if pid in shapes:
            learned[pid].append(tuple(rest))
    for pid, rows in learned.items():
        # The strongest as the hub ranks them: decayed to the profile's newest activity.
        newest = max(_when(r[3]) for r in rows)

        def strength(r: tuple[Any, ...], newest: float = newest) -> float:
            return abs(r[2]) * math.pow(2.0, -(newest - _when(r[3])) / HALF_LIFE_SECONDS)

        shapes[pid].learned = sorted(rows, key=strength, reverse=True)[:interests_cap]
    for pid, *rest in db.execute(
        "SELECT profile_id, type, touchpoint, occurred_at, received_at, product_sku, quantity, "
        "price, properties FROM ("
        "  SELECT *, row_number() OVER (PARTITION BY profile_id "
        "                               ORDER BY occurred_at DESC, id DESC) AS n FROM events"
        f") WHERE n <= {int(events_cap)} ORDER BY profile_id, occurred_at, id"
    ):
        if pid in shapes:
            shapes[pid].events.append(tuple(rest))
    db.close()
    return list(shapes.values())


# ---------------------------------------------------------------- building a store


def _hub(database_url: str, *args: str) -> str:
    from tests.conftest import hub_command

    return hub_command(database_url, *args).stdout.strip()


def _build(path: Path, size: int, template: Path, shapes: list[Shape], seed: int) -> None:
    """A store of `size` synthetic profiles; written to a temporary name, renamed when done."""
    partial = path.with_suffix(".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    _hub(f"sqlite+aiosqlite:///{partial}", "migrate")
    db = sqlite3.connect(partial)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1048576")
    db.execute("ATTACH DATABASE ? AS template", (f"file:{template}?mode=ro",))
    db.execute("INSERT INTO categories SELECT * FROM template.categories")
    db.execute("INSERT INTO products SELECT * FROM template.products")
    db.commit()
    db.execute("DETACH DATABASE template")
    # Secondary indexes and the events trigger are dropped for the load and made again after
    # it with the migration's own DDL (a sorted build instead of row-by-row inserts): the
    # same schema in the end. Unique constraints stay (SQLite cannot drop them).
    later = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('events', 'affinities', "
        "'preferences', 'consents', 'identifiers') AND sql IS NOT NULL "
        "AND type IN ('index', 'trigger')"
    ).fetchall()
    for kind, name, _ in later:
        db.execute(f'DROP {kind.upper()} "{name}"')
    rng = random.Random(seed)
    base_ms = int(time.time() * 1000) - size  # one profile a millisecond, ending now
    identifier_id = 0
    started = time.perf_counter()
    for first in range(0, size, CHUNK):
        profiles, identifiers, stated, consents, learned, events = [], [], [], [], [], []
        for n in range(first, min(first + CHUNK, size)):
            shape = rng.choice(shapes)
            pid = f"{base_ms + n:012x}{rng.getrandbits(80):020x}"
            profiles.append((pid, *shape.profile))
            crm_id = None
            for kind, value, *rest in shape.identifiers:
                identifier_id += 1
                value = str(10_000_000 + n) if kind == "CRM_ID" else f"{n}.{value}"
                if kind == "CRM_ID":
                    crm_id = identifier_id
                identifiers.append((identifier_id, pid, kind, value, *rest))
            stated.extend((pid, *row) for row in shape.stated or _said(rng, shape))
            consents.extend((pid, *row) for row in shape.consents or _consented(rng, shape))
            learned.extend((pid, *row) for row in shape.learned)
            events.extend(
                (f"scale-{n:08d}-{i:03d}", pid, crm_id, *row) for i, row in enumerate(shape.events)
            )
        events.sort(key=lambda e: e[5])  # occurred_at: profiles' events interleave
        rng.shuffle(learned)
        db.executemany(
            "INSERT INTO profiles (id, first_name, last_name, search_name, traits, is_known, "
            "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            profiles,
        )
        db.executemany(
            "INSERT INTO identifiers (id, profile_id, kind, value, touchpoint, created_at, "
            "verified_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            identifiers,
        )
        db.executemany(
            'INSERT INTO preferences (profile_id, "key", value, "like", weight, touchpoint, '
            "origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            stated,
        )
        db.executemany(
            "INSERT INTO consents (profile_id, purpose, granted, touchpoint, updated_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            consents,
        )
        db.executemany(
            'INSERT INTO affinities (profile_id, "key", value, score, as_of, views, carts, '
            "purchases, returns, last_touchpoint, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            learned,
        )
        db.executemany(
            "INSERT INTO events (message_id, profile_id, identifier_id, type, touchpoint, "
            "occurred_at, received_at, product_sku, quantity, price, properties) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        db.commit()
        done = min(first + CHUNK, size)
        print(
            f"  {path.name}: {done:,} profiles, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    print(f"  {path.name}: indexes and trigger…", flush=True)
    for _, _, sql in later:
        db.execute(sql)
    db.execute("INSERT INTO event_messages (message_id) SELECT message_id FROM events")
    db.execute("ANALYZE")
    db.commit()
    db.close()
    os.replace(partial, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)


# The demo data has no stated preferences or consents (a wholesaler's order lines); a live
# store has both. Invented here, from the shape's own history: a third of profiles told a
# touchpoint they like one to three of their strongest learned categories or themes, and every
# profile recorded consent for three purposes at its last activity (personalisation and
# analytics mostly granted, email marketing about half the time).
def _said(rng: random.Random, shape: Shape) -> list[tuple[Any, ...]]:
    facets = [r for r in shape.learned if r[0] in ("category", "theme")]
    if not facets or rng.random() >= 1 / 3:
        return []
    at = shape.learned[0][3]
    return [
        (r[0], r[1], True, 1.0, rng.choice(("WEB", "KIOSK")), "preferences", at, at)
        for r in facets[: rng.randint(1, 3)]
    ]


def _consented(rng: random.Random, shape: Shape) -> list[tuple[Any, ...]]:
    at = shape.events[-1][2] if shape.events else shape.profile[-1]
    return [
        ("PERSONALIZATION", rng.random() < 0.9, "WEB", at, None),
        ("ANALYTICS", rng.random() < 0.8, "WEB", at, None),
        ("MARKETING_EMAIL", rng.random() < 0.5, "WEB", at, None),
    ]


def _counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("profiles", "identifiers", "preferences", "consents", "affinities", "events")
    }
    db.close()
    counts["MB on disk"] = path.stat().st_size // 1_000_000
    return counts
