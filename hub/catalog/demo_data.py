"""Streaming reader of the demo data: the UCI "Online Retail II" 2009-2010 CSV (gzip).

Database-free on purpose: `seed-demo` turns these rows into products, profiles and events, and
tests can check the reading rules on the real file without a hub.

What the file holds and how it is read (see /work/shared/data/README.md):

- Product codes: five digits, optionally followed by up to two letters for a variant
  ("85123A", "15056BL"); `is_product_code` is that rule. Everything else is a charge, a note
  or another channel's code and is left out: POST, DOT, C2 (carriage), M (manual), D (discount),
  S (samples), B (bad debt), ADJUST, BANK CHARGES, AMAZONFEE, PADS, TEST001, gift_0001_* vouchers,
  and the few "DCGS…" and "SP1002" codes of a separate gift-shop range. The file writes a
  variant letter in lower case on a few lines ("85123a"): a SKU is the code stripped and
  upper-cased, so those lines join their product.
- Blank descriptions are written "nan" (a pandas export); they, and stock notes in lower case
  ("damaged", "check"), occur only on zero-price stock adjustments without a customer.
- Customer ID is blank on guest orders; "13085.0" is read as "13085".
- InvoiceDate is UK local time; rows carry it converted to UTC.

A retailer's own export of the same shape reads too (`_open_rows`): plain or gzip, the
original Online Retail's column names, columns in any order, M/D/YYYY dates, Windows-1252
text; a line that cannot be read stops the read with a DataFileError saying where, before
`seed-demo` or the backtest has written anything.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from os import PathLike
from zoneinfo import ZoneInfo

from hub.catalog.taxonomy import Category, categorize, derive_themes, tags_for

LONDON = ZoneInfo("Europe/London")
HEADER = [
    "Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID",
    "Country",
]  # fmt: skip

_PRODUCT_CODE = re.compile(r"[0-9]{5}[A-Z]{0,2}")


def normalise_sku(stock_code: str) -> str:
    return stock_code.strip().upper()


def is_product_code(stock_code: str) -> bool:
    """Five digits and at most two variant letters, in either case, once stripped."""
    return _PRODUCT_CODE.fullmatch(normalise_sku(stock_code)) is not None


@dataclass
class ProductRow:
    sku: str
    name: str
    description: str
    price: Decimal
    category: Category
    tags: list[str]
    first_sold: datetime
    last_sold: datetime
    units_sold: int


@dataclass
class LineRow:
    invoice: str
    line_no: int
    sku: str
    quantity: int
    price: Decimal
    occurred_at: datetime
    customer_id: str
    country: str
    is_return: bool


@dataclass
class ReadSummary:
    """What one read saw: filled in as `read_lines` or `read_catalog` runs."""

    lines: int = 0
    kept: int = 0  # lines yielded by read_lines; products returned by read_catalog
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> lines (or codes)
    customers: set[str] = field(default_factory=set)  # every customer id on any line

    def report(self) -> str:
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in sorted(self.skipped.items()))
        return (
            f"{self.lines:,} lines read, {self.kept:,} kept, {len(self.customers):,} customers; "
            f"skipped: {reasons or 'none'}"
        )


def message_id_for(line: LineRow) -> str:
    """Stable event id: the same line of the same file always gets the same id."""
    return f"oretail-{line.invoice}-{line.line_no}"


class DataFileError(ValueError):
    """A purchase file that cannot be read as one: says where (line) and what was expected."""


# The columns by what they mean, each with the header names it is known by: Online Retail II's
# ("Invoice", "Price", "Customer ID") and the original Online Retail's ("InvoiceNo",
# "UnitPrice", "CustomerID"), compared without case, spaces or underscores.
_COLUMNS = (
    ("Invoice", ("invoice", "invoiceno")),
    ("StockCode", ("stockcode",)),
    ("Description", ("description",)),
    ("Quantity", ("quantity",)),
    ("InvoiceDate", ("invoicedate",)),
    ("Price", ("price", "unitprice")),
    ("Customer ID", ("customerid",)),
    ("Country", ("country",)),
)
_GZIP_MAGIC = b"\x1f\x8b"
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S",
)  # fmt: skip


def _open_rows(path: str | PathLike[str]) -> Iterator[list[str]]:
    """The file's rows in HEADER's column order, whatever order and names its own header uses.

    Gzip or plain; UTF-8 (a byte-order mark allowed), any bytes that are not UTF-8 read as
    Windows-1252, as spreadsheet exports write them. Dates come out as "YYYY-MM-DD HH:MM:SS"
    (the file may write ISO dates, with or without seconds, their fractions or a "T", or
    M/D/YYYY H:MM as the original Online Retail export does), quantities as whole numbers
    ("12.0" → "12"); a line whose date, quantity or price is none of those raises
    DataFileError naming it."""
    with open(path, "rb") as probe:
        zipped = probe.read(2) == _GZIP_MAGIC
    opener = gzip.open if zipped else open
    with opener(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="rapport-cp1252", newline="")
        rows = csv.reader(text)
        try:
            header = next(rows)
        except StopIteration:
            raise DataFileError(f"{path} is empty: expected a header line") from None
        except csv.Error as error:
            raise DataFileError(f"{path}, line 1: {error}") from None
        where = _positions(path, header)
        identity = where == list(range(len(where)))
        dates: dict[str, str] = {}
        numbers: dict[str, str] = {}
        prices: set[str] = set()
        line = 1
        try:
            for line, row in enumerate(rows, start=2):
                if not row:
                    continue
                if len(row) < len(header):
                    raise DataFileError(
                        f"{path}, line {line}: {len(row)} fields where the header has {len(header)}"
                    )
                out = row if identity else [row[i] for i in where]
                date = out[4]
                iso = dates.get(date)
                if iso is None:
                    iso = dates[date] = _iso_date(path, line, date)
                out[4] = iso
                quantity = out[3]
                whole = numbers.get(quantity)
                if whole is None:
                    whole = numbers[quantity] = _whole(path, line, quantity)
                out[3] = whole
                if out[5] not in prices:
                    _check_price(path, line, out[5])
                    prices.add(out[5])
                yield out
        except csv.Error as error:
            raise DataFileError(f"{path}, line {line + 1}: {error}") from None


def _as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 read as Windows-1252, as a spreadsheet export writes them."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("cp1252", errors="replace"), error.end


codecs.register_error("rapport-cp1252", _as_cp1252)


def _positions(path: str | PathLike[str], header: list[str]) -> list[int]:
    """Where each of HEADER's columns sits in the file's header."""
    found = {"".join(name.split()).replace("_", "").lower(): i for i, name in enumerate(header)}
    where: list[int] = []
    missing: list[str] = []
    for name, known_as in _COLUMNS:
        at = next((found[k] for k in known_as if k in found), None)
        if at is None:
            missing.append(name)
        else:
            where.append(at)
    if missing:
        raise DataFileError(
            f"{path}: no column for {', '.join(missing)} in its header {header}; expected "
            f"{', '.join(HEADER)} (Online Retail II) or InvoiceNo, StockCode, Description, "
            "Quantity, InvoiceDate, UnitPrice, CustomerID, Country (Online Retail)"
        )
    return where


def _iso_date(path: str | PathLike[str], line: int, text: str) -> str:
    value = text.strip()
    if len(value) == 19 and value[4] == "-" and value[10] == " " and value[13] == ":":
        try:
            datetime.fromisoformat(value)  # a real date, not only its shape
            return value  # already as the readers compare and parse it
        except ValueError:
            pass
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(value, form).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
    raise DataFileError(
        f"{path}, line {line}: InvoiceDate {text!r} is not a date and time "
        "(YYYY-MM-DD HH:MM[:SS] or M/D/YYYY H:MM, UK local time)"
    )


def _whole(path: str | PathLike[str], line: int, text: str) -> str:
    value = text.strip()
    try:
        return str(int(value))
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number.is_integer():
        return str(int(number))
    raise DataFileError(f"{path}, line {line}: Quantity {text!r} is not a whole number")


def _check_price(path: str | PathLike[str], line: int, text: str) -> None:
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = Decimal("NaN")
    if not value.is_finite():
        raise DataFileError(f"{path}, line {line}: Price {text!r} is not a number")


class _Parsers:
    """Caches: the file repeats few distinct prices, dates and customer ids, so parse each once."""

    def __init__(self) -> None:
        self.prices: dict[str, Decimal] = {}
        self.times: dict[str, datetime] = {}
        self.customers: dict[str, str] = {}

    def price(self, text: str) -> Decimal:
        value = self.prices.get(text)
        if value is None:
            value = self.prices[text] = Decimal(text)
        return value

    def occurred_at(self, text: str) -> datetime:
        value = self.times.get(text)
        if value is None:
            local = datetime(
                int(text[0:4]), int(text[5:7]), int(text[8:10]),
                int(text[11:13]), int(text[14:16]), int(text[17:19]), tzinfo=LONDON,
            )  # fmt: skip
            value = self.times[text] = local.astimezone(UTC)
        return value

    def customer(self, text: str) -> str:
        value = self.customers.get(text)
        if value is None:
            value = text.strip()
            if value.lower() == "nan":
                value = ""
            elif value.endswith(".0"):
                value = value[:-2]
            self.customers[text] = value
        return value


def read_lines(
    path: str | PathLike[str], summary: ReadSummary | None = None, until: datetime | None = None
) -> Iterator[LineRow]:
    """Invoice lines of known customers and real products, in file order.

    `line_no` counts every line of the invoice in the file, kept or not, so ids stay the same
    when the rules below change. Skipped lines are counted in `summary.skipped` under the first
    reason that applies: `no_customer` (guest order), `not_a_product` (code fails the rule),
    `blank_description`, `zero_quantity`, `negative_price`. A zero price is kept: the shop
    did hand a few items to customers for free. With `until`, lines at or after it are left
    out first (`after_until`): the store as it stood then (the backtest).
    """
    summary = summary if summary is not None else ReadSummary()
    parse = _Parsers()
    product_codes: dict[str, bool] = {}
    next_line_no: dict[str, int] = {}
    for invoice, code, description, quantity, date, price, customer, country in _open_rows(path):
        summary.lines += 1
        line_no = next_line_no.get(invoice, 0)
        next_line_no[invoice] = line_no + 1
        if until is not None and parse.occurred_at(date) >= until:
            summary.skipped["after_until"] += 1
            continue
        customer_id = parse.customer(customer)
        if not customer_id:
            summary.skipped["no_customer"] += 1
            continue
        summary.customers.add(customer_id)
        is_product = product_codes.get(code)
        if is_product is None:
            is_product = product_codes[code] = is_product_code(code)
        if not is_product:
            summary.skipped["not_a_product"] += 1
            continue
        if not description.strip() or description == "nan":
            summary.skipped["blank_description"] += 1
            continue
        units = int(quantity)
        if units == 0:
            summary.skipped["zero_quantity"] += 1
            continue
        unit_price = parse.price(price)
        if unit_price < 0:
            summary.skipped["negative_price"] += 1
            continue
        summary.kept += 1
        yield LineRow(
            invoice=invoice,
            line_no=line_no,
            sku=normalise_sku(code),
            quantity=units,
            price=unit_price,
            occurred_at=parse.occurred_at(date),
            customer_id=customer_id,
            country=country,
            is_return=invoice.startswith("C"),
        )


@dataclass
class _Tally:
    """One product's running totals while the catalogue is read."""

    descriptions: Counter[str] = field(default_factory=Counter)
    sale_prices: Counter[str] = field(default_factory=Counter)
    other_prices: Counter[str] = field(default_factory=Counter)
    first_sale: str = ""
    last_sale: str = ""
    first_seen: str = ""
    last_seen: str = ""
    units_sold: int = 0


def read_catalog(
    path: str | PathLike[str], summary: ReadSummary | None = None, until: datetime | None = None
) -> list[ProductRow]:
    """One product per product code that was ever invoiced at a positive price, by SKU.

    Guest orders count. Only priced lines vote, which keeps stock notes ("damaged") and "nan"
    out: those sit on zero-price adjustments. So:
    - description: the most frequent one, whitespace tidied (ties: the first seen);
    - price: the most common unit price on sale lines (not a return, quantity > 0), ties to the
      lower; a product that was only ever returned takes its return price;
    - first_sold, last_sold, units_sold: over sale lines (only-returned: its return dates, 0).
    `summary.skipped` counts `not_a_product` lines and `never_priced` product codes (seen only
    on zero-price adjustments). With `until`, only lines before it count: the catalogue, prices
    and units sold as they stood then.
    """
    summary = summary if summary is not None else ReadSummary()
    tallies: dict[str, _Tally] = {}
    skus: dict[str, str | None] = {}  # raw code -> SKU, or None for a non-product code
    unpriced: set[str] = set()
    parse = _Parsers()
    for invoice, code, description, quantity, date, price, customer, _ in _open_rows(path):
        summary.lines += 1
        if until is not None and parse.occurred_at(date) >= until:
            summary.skipped["after_until"] += 1
            continue
        if customer and customer.lower() != "nan":
            summary.customers.add(customer.removesuffix(".0"))
        if code in skus:
            sku = skus[code]
        else:
            sku = skus[code] = normalise_sku(code) if is_product_code(code) else None
        if sku is None:
            summary.skipped["not_a_product"] += 1
            continue
        # The price is tested as text: "0.0", "0" and "-53594.36" are the unpriced lines.
        if price.startswith("-") or not price.strip("0."):
            unpriced.add(sku)
            continue
        tally = tallies.get(sku)
        if tally is None:
            tally = tallies[sku] = _Tally(first_seen=date)
        tally.descriptions[description] += 1
        # ISO dates compare as text; the file is nearly but not exactly in date order.
        tally.first_seen = min(tally.first_seen, date)
        tally.last_seen = max(tally.last_seen, date)
        units = int(quantity)
        if units > 0 and not invoice.startswith("C"):
            tally.sale_prices[price] += 1
            tally.units_sold += units
            tally.first_sale = min(tally.first_sale or date, date)
            tally.last_sale = max(tally.last_sale, date)
        else:
            tally.other_prices[price] += 1
    summary.skipped["never_priced"] = len(unpriced - tallies.keys())
    products = [_product(sku, t, _Parsers()) for sku, t in tallies.items()]
    themes = derive_themes(p.description for p in products)
    for product in products:
        product.tags = tags_for(product.description, themes)
    products.sort(key=lambda p: p.sku)
    summary.kept = len(products)
    return products


def _tidy(description: str) -> str:
    return " ".join(description.split())


def _product(sku: str, tally: _Tally, parse: _Parsers) -> ProductRow:
    votes: Counter[str] = Counter()
    for text, n in tally.descriptions.items():  # insertion order: ties go to the first seen
        votes[_tidy(text)] += n
    description = votes.most_common(1)[0][0]
    prices: Counter[Decimal] = Counter()
    for text, n in (tally.sale_prices or tally.other_prices).items():
        prices[parse.price(text)] += n  # "2.1" and "2.10" are one price
    price = min(prices, key=lambda p: (-prices[p], p))
    return ProductRow(
        sku=sku,
        name=display_name(description),
        description=description,
        price=price,
        category=categorize(description),
        tags=[],
        first_sold=parse.occurred_at(tally.first_sale or tally.first_seen),
        last_sold=parse.occurred_at(tally.last_sale or tally.last_seen),
        units_sold=tally.units_sold,
    )


# --- display names ----------------------------------------------------------------------------

_SMALL_WORDS = frozenset({"A", "AN", "AND", "AS", "AT", "BY", "FOR", "IN", "OF", "ON", "OR",
                          "THE", "TO", "WITH"})  # fmt: skip
_ACRONYMS = frozenset({"CD", "DIY", "DVD", "LED", "PC", "TV", "UK", "USA", "USB", "XL"})
_UNITS = frozenset({"cm", "cmx", "g", "kg", "m", "ml", "mm", "pcs", "x"})
_LETTERS = re.compile(r"[A-Za-z]+")


def display_name(description: str) -> str:
    """Title case that keeps "T-Light", "Child's", "15cm", "S/4", "LED" and "Set of 6" right."""
    words = description.upper().split()
    out = []
    for i, word in enumerate(words):
        if i > 0 and word in _SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append(_LETTERS.sub(lambda m: _cased(m.group(), m.string, m.start()), word))
    return " ".join(out)


def _cased(run: str, word: str, start: int) -> str:
    before = word[start - 1] if start else ""
    if before == "'":  # CHILD'S, B'FLY, 50'S
        return run.lower()
    if before.isdigit() and run.lower() in _UNITS:
        return run.lower()
    if run in _ACRONYMS:
        return run
    return run[0] + run[1:].lower()
