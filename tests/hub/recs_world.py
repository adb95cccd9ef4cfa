"""A synthetic store whose truth is known, for the learned re-ranker's tests: habitual
customers re-buy a few staples every two to four weeks, explorers buy something new in every
order. Also written as an Online Retail II file, so the served path can be seeded from it."""

from __future__ import annotations

import csv
import gzip
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

NOW = datetime(2010, 9, 1, tzinfo=UTC)
STAPLES = [f"S{i:02d}" for i in range(30)]
NOVELTIES = [f"N{i:03d}" for i in range(240)]


def world(seed: int = 3) -> dict[str, list[tuple[str, datetime]]]:
    """Customer → purchase lines over the 300 days before NOW."""
    rng = random.Random(seed)
    world: dict[str, list[tuple[str, datetime]]] = {}
    for c in range(500):
        lines: list[tuple[str, datetime]] = []
        if c % 10 < 7:  # habitual: a few staples on a cadence, now and then a novelty
            own = rng.sample(STAPLES, rng.randint(3, 6))
            cadence = rng.randint(14, 28)
            day = rng.randint(0, cadence)
            while day < 300:
                at = NOW - timedelta(days=300 - day, hours=rng.randint(0, 8))
                lines += [(s, at) for s in own if rng.random() < 0.8]
                if rng.random() < 0.3:
                    lines.append((rng.choice(NOVELTIES), at))
                day += cadence + rng.randint(-3, 3)
        else:  # explorer: three new things an order, never the same twice
            picks = iter(rng.sample(NOVELTIES, 60))
            day = rng.randint(0, 20)
            while day < 300:
                at = NOW - timedelta(days=300 - day, hours=rng.randint(0, 8))
                lines += [(next(picks), at) for _ in range(3)]
                day += rng.randint(15, 30)
        world[f"C{c:03d}"] = lines
    return world


def is_regular(customer: str) -> bool:
    return int(customer[1:]) % 10 < 7


def _code(sku: str) -> str:
    """S07 → 20007, N123 → 30123: five digits, as the file's stock codes."""
    return ("2" if sku[0] == "S" else "3") + sku[1:].rjust(4, "0")


def _name(sku: str) -> str:
    """A name of its own product family: two words, no digits."""
    n = int(sku[1:])
    letters = chr(65 + n // 26 % 26) + chr(65 + n % 26)
    return f"{'STAPLE' if sku[0] == 'S' else 'NOVELTY'} Z{letters}"


def write_csv(path: Path, seed: int = 3) -> dict[str, str]:
    """The world as an Online Retail II file (gzip); CRM id per customer."""
    london = ZoneInfo("Europe/London")
    ids = {}
    with gzip.open(path, "wt", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
             "Customer ID", "Country"]
        )  # fmt: skip
        invoice = 500000
        for customer, lines in world(seed).items():
            crm = str(10000 + int(customer[1:]))
            ids[customer] = crm
            moments: dict[datetime, list[str]] = {}
            for sku, at in lines:
                moments.setdefault(at, []).append(sku)
            for at, skus in sorted(moments.items()):
                invoice += 1
                stamp = at.astimezone(london).strftime("%Y-%m-%d %H:%M:%S")
                for sku in skus:
                    out.writerow([invoice, _code(sku), _name(sku), 2, stamp, "1.25", crm,
                                  "United Kingdom"])  # fmt: skip
    return ids


def sku_of(code: str) -> str:
    return ("S" if code[0] == "2" else "N") + code[1:].lstrip("0").rjust(
        2 if code[0] == "2" else 3, "0"
    )
