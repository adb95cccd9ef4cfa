from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.catalog.demo_data import (
    HEADER,
    DataFileError,
    LineRow,
    ReadSummary,
    display_name,
    is_product_code,
    message_id_for,
    read_catalog,
    read_lines,
)

REPO = Path(__file__).parents[2]
REAL_FILE = REPO / ".." / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
SAMPLE = REPO / "tests" / "data" / "retail_sample.csv.gz"


@pytest.fixture(scope="module")
def real_file() -> Path:
    if not REAL_FILE.exists():
        pytest.fail(f"demo data not found at {REAL_FILE} (the repo sits beside shared/)")
    return REAL_FILE


@pytest.fixture(scope="module")
def real_lines(real_file: Path) -> tuple[list[LineRow], ReadSummary]:
    summary = ReadSummary()
    return list(read_lines(real_file, summary)), summary


def _write(path: Path, rows: list[list[str]]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("code", ["85123A", "22423", "15056BL", "85123a", " 47503J ", "79323W"])
def test_product_codes(code: str) -> None:
    assert is_product_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "POST", "D", "M", "m", "C2", "C3", "DOT", "BANK CHARGES", "AMAZONFEE", "ADJUST", "ADJUST2",
        "B", "CRUK", "PADS", "S", "TEST001", "gift_0001_10", "DCGS0058", "SP1002", "GIFT", "",
        "1234", "123456", "85123ABC",
    ],
)  # fmt: skip
def test_non_product_codes(code: str) -> None:
    assert not is_product_code(code)


@pytest.mark.parametrize(
    ("description", "name"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T-Light Holder"),
        ("PINK FAIRY CAKE CHILD'S APRON", "Pink Fairy Cake Child's Apron"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN ", "Set of 3 Cake Tins Pantry Design"),
        ("15CM CHRISTMAS GLASS BALL 20 LIGHTS", "15cm Christmas Glass Ball 20 Lights"),
        ("S/4 PINK FLOWER CANDLES IN BOWL", "S/4 Pink Flower Candles in Bowl"),
        ("RED TOADSTOOL LED NIGHT LIGHT", "Red Toadstool LED Night Light"),
        ("POLYESTER FILLER PAD 45x45cm", "Polyester Filler Pad 45x45cm"),
        ("OF MICE AND MEN", "Of Mice and Men"),
    ],
)
def test_display_name(description: str, name: str) -> None:
    assert display_name(description) == name


def test_read_lines_rules_on_a_small_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "small.csv.gz",
        [
            ["489434", "85048", "15CM CHRISTMAS GLASS BALL", "12", "2009-12-01 07:45:00", "6.95",
             "13085.0", "United Kingdom"],
            ["489434", "POST", "POSTAGE", "1", "2009-12-01 07:45:00", "18.0", "13085",
             "United Kingdom"],
            ["489434", "79323p", "PINK CHERRY LIGHTS", "0", "2009-12-01 07:45:00", "6.75",
             "13085", "United Kingdom"],
            ["489434", "79323W", "nan", "12", "2009-12-01 07:45:00", "6.75", "13085",
             "United Kingdom"],
            ["489434", "22041", "RECORD FRAME", "48", "2009-12-01 07:45:00", "-2.1", "13085",
             "United Kingdom"],
            ["489435", "22041", "RECORD FRAME", "4", "2010-07-01 10:00:00", "2.1", "", "France"],
            ["C489436", "85048a", "15CM CHRISTMAS GLASS BALL", "-1", "2010-07-01 10:00:00", "0",
             "12682", "France"],
            ["489434", "22041", "RECORD FRAME", "6", "2009-12-01 07:45:00", "2.1", "13085",
             "United Kingdom"],
        ],
    )  # fmt: skip
    summary = ReadSummary()
    lines = list(read_lines(path, summary))
    assert [(x.invoice, x.line_no, x.sku) for x in lines] == [
        ("489434", 0, "85048"),
        ("C489436", 0, "85048A"),
        ("489434", 5, "22041"),  # every line of the invoice counts, kept or not
    ]
    first, ret, _ = lines
    assert first.customer_id == "13085"
    assert first.price == Decimal("6.95")
    assert first.quantity == 12 and not first.is_return
    assert ret.is_return and ret.quantity == -1 and ret.price == 0 and ret.country == "France"
    assert summary.lines == 8 and summary.kept == 3
    assert summary.skipped == {
        "not_a_product": 1,
        "zero_quantity": 1,
        "blank_description": 1,
        "negative_price": 1,
        "no_customer": 1,
    }
    assert summary.customers == {"13085", "12682"}
    assert "8 lines read, 3 kept, 2 customers" in summary.report()


def test_catalog_price_description_and_dates_on_a_small_file(tmp_path: Path) -> None:
    def line(inv: str, qty: str, date: str, price: str, desc: str = "RED MUG") -> list[str]:
        return [inv, "20001", desc, qty, date, price, "", "United Kingdom"]

    path = _write(
        tmp_path / "small.csv.gz",
        [
            line("1", "2", "2010-03-01 09:00:00", "2.10", desc="RED  MUG "),
            line("2", "1", "2010-01-01 09:00:00", "2.5"),
            line("3", "5", "2010-06-01 09:00:00", "2.1"),
            line("4", "1", "2010-02-01 09:00:00", "2.5"),
            line("C5", "-3", "2009-12-01 09:00:00", "1.0"),  # returns neither price nor date
            line("C5", "-3", "2009-12-01 09:00:00", "1.0"),
            line("6", "-9", "2009-12-02 09:00:00", "0.0", desc="damaged"),  # a stock note
            ["7", "20002", "nan", "3", "2010-01-01 09:00:00", "0.0", "", "United Kingdom"],
            ["8", "20003", "BLUE JUG", "-1", "2010-01-01 09:00:00", "3.0", "1", "United Kingdom"],
        ],
    )
    summary = ReadSummary()
    products = {p.sku: p for p in read_catalog(path, summary)}
    assert set(products) == {"20001", "20003"}  # 20002 was never priced
    mug = products["20001"]
    assert mug.description == "RED MUG"  # spaces tidied, so the two spellings vote together
    assert mug.name == "Red Mug"
    assert mug.price == Decimal("2.1")  # 2.10 and 2.1 twice each against 2.5 twice: tie, lower
    assert mug.first_sold == datetime(2010, 1, 1, 9, 0, tzinfo=UTC)
    assert mug.last_sold == datetime(2010, 6, 1, 8, 0, tzinfo=UTC)  # BST
    assert mug.units_sold == 9
    assert mug.category.slug == "tableware"
    jug = products["20003"]  # only ever returned
    assert jug.price == Decimal("3.0") and jug.units_sold == 0
    assert summary.skipped["never_priced"] == 1


def test_real_lines_counts(real_lines: tuple[list[LineRow], ReadSummary]) -> None:
    lines, summary = real_lines
    assert summary.lines == 525_461
    assert len(summary.customers) == 4_383
    assert summary.skipped["no_customer"] == 107_927
    assert summary.kept == len(lines) == 525_461 - sum(summary.skipped.values())
    # 69 customers only ever bought postage, manual lines or charges: no product line.
    assert len({x.customer_id for x in lines}) == 4_314
    assert all(len(x.customer_id) == 5 and x.customer_id.isdigit() for x in lines)
    assert all(is_product_code(x.sku) and x.sku == x.sku.upper() for x in lines)


def test_real_returns_are_flagged(real_lines: tuple[list[LineRow], ReadSummary]) -> None:
    lines, _ = real_lines
    returns = [x for x in lines if x.is_return]
    assert 9_000 < len(returns) < 10_206
    assert all(x.invoice.startswith("C") and x.quantity < 0 for x in returns)
    assert all(x.quantity > 0 for x in lines if not x.is_return)


def test_real_message_ids_unique_and_stable(
    real_file: Path, real_lines: tuple[list[LineRow], ReadSummary]
) -> None:
    lines, _ = real_lines
    ids = [message_id_for(x) for x in lines]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "oretail-489434-0"
    again = (message_id_for(x) for x in read_lines(real_file))
    assert all(a == b for a, b in zip(ids, again, strict=True))


def test_utc_conversion_winter_and_summer(
    real_lines: tuple[list[LineRow], ReadSummary],
) -> None:
    lines, _ = real_lines
    first = lines[0]  # 489434, 2009-12-01 07:45 GMT
    assert first.occurred_at == datetime(2009, 12, 1, 7, 45, tzinfo=UTC)
    summer = next(x for x in lines if x.invoice == "514660" and x.sku == "22158")
    assert summer.occurred_at == datetime(2010, 7, 5, 11, 49, tzinfo=UTC)  # 12:49 BST
    assert all(x.occurred_at.utcoffset() is not None for x in lines[:1000])


def test_real_catalog(real_file: Path, real_lines: tuple[list[LineRow], ReadSummary]) -> None:
    summary = ReadSummary()
    products = read_catalog(real_file, summary)
    by_sku = {p.sku: p for p in products}
    assert len(by_sku) == len(products) == summary.kept == 4_078
    assert all(is_product_code(sku) and sku == sku.upper() for sku in by_sku)
    assert summary.skipped["never_priced"] == 349
    # Every line the importer will send names a product of the catalogue.
    assert {x.sku for x in real_lines[0]} <= by_sku.keys()
    heart = by_sku["85123A"]
    assert heart.name == "White Hanging Heart T-Light Holder"
    assert heart.price == Decimal("2.95")
    assert heart.category.slug == "candles-lights"
    assert heart.units_sold > 50_000
    assert by_sku["84997D"].description == "PINK 3 PIECE MINI DOTS CUTLERY SET"  # most frequent
    for p in products:
        assert p.price > 0 and p.first_sold <= p.last_sold and p.units_sold >= 0
        assert p.description and p.description == " ".join(p.description.split())


def test_sample_is_whole_real_invoices(real_file: Path) -> None:
    with gzip.open(SAMPLE, "rt", encoding="utf-8", newline="") as f:
        sample = list(csv.reader(f))
    assert sample[0] == HEADER
    rows = sample[1:]
    assert 2_000 <= len(rows) <= 4_000
    with gzip.open(real_file, "rt", encoding="utf-8", newline="") as f:
        full = Counter(row[0] for row in csv.reader(f))
    in_sample = Counter(row[0] for row in rows)
    assert all(full[invoice] == n for invoice, n in in_sample.items())
    customers = {row[6] for row in rows if row[6]}
    assert 50 <= len(customers) <= 70
    assert any(row[0].startswith("C") for row in rows)
    assert any(not row[6] and float(row[5]) > 0 for row in rows)  # a guest order
    assert any(not is_product_code(row[1]) for row in rows)


def test_sample_ids_match_the_full_file(real_lines: tuple[list[LineRow], ReadSummary]) -> None:
    full_ids = {message_id_for(x) for x in real_lines[0]}
    sample_ids = [message_id_for(x) for x in read_lines(SAMPLE)]
    assert len(sample_ids) > 2_000
    assert set(sample_ids) <= full_ids


def _sample_rows() -> list[list[str]]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER
    return rows[1:]


def _us_date(iso: str) -> str:
    """ "2010-07-01 09:05:00" as the original Online Retail export writes it: "7/1/2010 9:05"."""
    moment = datetime.strptime(iso, "%Y-%m-%d %H:%M:%S")
    assert moment.second == 0
    return f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment.minute:02d}"


def test_a_retailers_own_export_reads_as_the_demo_file(tmp_path: Path) -> None:
    """The sample rewritten as other tools export it: plain CSV with a byte-order mark and
    Windows line ends; the original Online Retail's column names in another order, M/D/YYYY
    dates and "12.0" quantities; Windows-1252 text. Each reads to the same lines and the same
    catalogue as the file itself."""
    rows = _sample_rows()
    expected_lines = list(read_lines(SAMPLE))
    expected_catalog = read_catalog(SAMPLE)

    plain = tmp_path / "plain.csv"
    with plain.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)

    original = tmp_path / "online_retail.csv"
    names = ["CustomerID", "Country", "InvoiceNo", "InvoiceDate", "StockCode", "Description",
             "UnitPrice", "Quantity"]  # fmt: skip
    with original.open("w", encoding="cp1252", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for inv, code, desc, qty, date, price, customer, country in rows:
            writer.writerow(
                [customer, country, inv, _us_date(date), code, desc, price, f"{int(qty)}.0"]
            )

    for path in (plain, original):
        assert list(read_lines(path)) == expected_lines, path.name
        assert read_catalog(path) == expected_catalog, path.name


def test_windows_1252_text_is_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    row = ["489434", "85048", "CAFÉ SIGN – “RED”", "2", "2010-07-01 10:00:00", "3.5", "13085",
           "Österreich"]  # fmt: skip
    with path.open("w", encoding="cp1252", newline="") as f:
        csv.writer(f).writerows([HEADER, row])
    (line,) = read_lines(path)
    assert line.country == "Österreich"
    (product,) = read_catalog(path)
    assert product.description == "CAFÉ SIGN – “RED”"


@pytest.mark.parametrize(
    ("header", "row", "said"),
    [
        (["Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"],
         ["489434", "85048", "2", "2010-07-01 10:00:00", "3.5", "13085", "France"],
         "no column for Description"),
        (HEADER, ["489434", "85048", "MUG", "2", "31.12.2010 10:00", "3.5", "13085", "France"],
         "line 3: InvoiceDate '31.12.2010 10:00' is not a date"),
        (HEADER, ["489434", "85048", "MUG", "1.5", "2010-07-01 10:00:00", "3.5", "1", "France"],
         "line 3: Quantity '1.5' is not a whole number"),
        (HEADER, ["489434", "85048", "MUG", "2", "2010-07-01 10:00:00", "£3.50", "1", "France"],
         "line 3: Price '£3.50' is not a number"),
        (HEADER, ["489434", "85048", "MUG"], "line 3: 3 fields where the header has 8"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_says_where(
    tmp_path: Path, header: list[str], row: list[str], said: str
) -> None:
    path = tmp_path / "bad.csv"
    good = ["489434", "85048", "MUG", "2", "2010-07-01 10:00:00", "3.5", "13085", "France"]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, good[: len(header)], row])
    for read in (read_lines, read_catalog):
        with pytest.raises(DataFileError, match=re.escape(said)):
            list(read(path))


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv.gz"
    with gzip.open(path, "wb"):
        pass
    with pytest.raises(DataFileError, match="is empty"):
        list(read_lines(path))
