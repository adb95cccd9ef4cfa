"""Write tests/data/retail_sample.csv.gz: a small, real slice of the demo data for fast tests.

Usage: python scripts/make_test_sample.py [SOURCE] [TARGET]

The slice keeps whole invoices, in file order, so line numbers (and message ids) match the full
file: every invoice of the customers whose number is a multiple of 67 and who have at most 150
lines (61 customers, some with returns), the first two small guest orders, the first small
stock adjustment with blank ("nan") descriptions, and the first bad-debt adjustment (a
negative price). Running it again writes the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
TARGET = ROOT / "tests" / "data" / "retail_sample.csv.gz"
CUSTOMER_MODULUS = 67
MAX_CUSTOMER_LINES = 150
MAX_EXTRA_INVOICE_LINES = 15


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def choose_invoices(rows: list[list[str]]) -> set[str]:
    per_customer = Counter(row[6] for row in rows if row[6])
    customers = {
        c for c, n in per_customer.items()
        if int(float(c)) % CUSTOMER_MODULUS == 0 and n <= MAX_CUSTOMER_LINES
    }  # fmt: skip
    chosen = {row[0] for row in rows if row[6] in customers}
    per_invoice = Counter(row[0] for row in rows)
    small = {i for i, n in per_invoice.items() if n <= MAX_EXTRA_INVOICE_LINES}
    guests = [r[0] for r in rows if not r[6] and r[0] in small and float(r[5]) > 0]
    chosen.update(list(dict.fromkeys(guests))[:2])
    notes = [r[0] for r in rows if r[2] == "nan" and r[0] in small]
    chosen.update(notes[:1])
    bad_debt = [r[0] for r in rows if r[5].startswith("-")]
    chosen.update(bad_debt[:1])
    return chosen


def main(source: Path = SOURCE, target: Path = TARGET) -> None:
    header, rows = _rows(source)
    invoices = choose_invoices(rows)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    kept = [row for row in rows if row[0] in invoices]
    writer.writerows(kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 and no file name in the gzip header: the same input gives the same bytes.
    with open(target, "wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    print(f"{target}: {len(kept)} lines, {len(invoices)} invoices")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:3]))
