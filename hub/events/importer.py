"""`rapport-hub import FILE`: events in bulk, through the very rules `track` applies.

A file is NDJSON (one JSON object per line with `track`'s EventInput fields: messageId,
identifier {kind, value}, type, touchpoint, occurredAt, productSku, quantity, price,
properties) or CSV with a header (messageId, identifierKind, identifierValue, type, touchpoint,
occurredAt, productSku, quantity, price, properties as JSON text); either may be gzipped.

Each line is checked on its own first: a bad line is reported with its number (a CSV record
whose quoted field holds line breaks: with its first and last) and left out, the rest goes in.
Valid events are stored in transactions of `chunk` events (all of a chunk or none of it),
learning included, so a re-run of the same file adds nothing (message ids).

Customer by customer: a window of `window` valid events is stored grouped by
identifier (`storage_order`), each identifier's in the file's order, so that one customer's
events of the window go in with one transaction, not one in every chunk. On a big store that
is what an import's time goes to: every transaction rewrites the pages of each customer it
touches (their events' index, learned interests, version), whoever else's rows are on them.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from hub import jsontext
from hub.broker import make_broker
from hub.db import Database, write_retried
from hub.enums import EventType, IdentifierKind, Touchpoint
from hub.errors import DomainError, ErrorCode
from hub.events import resolvers
from hub.events import service as events
from hub.identity.normalize import IdentifierIn
from hub.settings import Settings
from hub.tasks import stop_tasks
from hub.weights import Weights

CHUNK = 5000
# Valid events reordered at once. Memory: ~0.55-0.65 KB each while they wait, ~0.2 KB more
# while reordered, two windows at once (`run`: one stored while the next is read): ~150 MB.
WINDOW = 100_000
MAX_REPORTED = 50
# Tries of a chunk that met another writer (`db.worth_retrying`): on SQLite each waits up to
# the busy timeout (10 s) for the file's write lock.
ATTEMPTS = 5
CSV_COLUMNS = (
    "messageId",
    "identifierKind",
    "identifierValue",
    "type",
    "touchpoint",
    "occurredAt",
    "productSku",
    "quantity",
    "price",
    "properties",
)


# The physical lines a record takes in the file: (first, last), one line unless a CSV field
# in quotes holds line breaks.
Lines = tuple[int, int]


def lines_named(lines: Lines) -> str:
    """Where a record is, as its problem is told: "line 12", or "lines 12–14" for a CSV
    record over several lines (named from its first, where a reader looks for it)."""
    first, last = lines
    return f"line {first}" if first == last else f"lines {first}–{last}"


@dataclass
class ImportReport:
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    suppressed: int = 0
    refused: int = 0
    problems: list[tuple[Lines, str]] = field(default_factory=list)  # the first MAX_REPORTED
    seconds: float = 0.0

    def refuse(self, lines: Lines, message: str) -> None:
        self.refused += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append((lines, message))


def _bad(field_name: str, message: str) -> DomainError:
    return DomainError.one((field_name,), ErrorCode.INVALID, message)


_EXACT: dict[type[Any], dict[Any, Any]] = {
    options: {o.value: o for o in options} for options in (EventType, IdentifierKind, Touchpoint)
}


def _choice(value: Any, options: type[Any], field_name: str) -> Any:
    if isinstance(value, str):
        exact = _EXACT[options].get(value)  # as it is almost always written: no stripping
        if exact is not None:
            return exact
    try:
        return options(str(value).strip().upper())
    except ValueError:
        names = ", ".join(o.value for o in options)
        raise _bad(field_name, f"One of {names}.") from None


def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise _bad(
            "occurredAt", "An ISO 8601 time with its zone, e.g. 2010-12-01T08:26:00Z."
        ) from None


def _number(value: Any, field_name: str, kind: type[int] | type[float]) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, bool):  # JSON's true is no number (int(True) is 1), as for `track`
        raise _bad(field_name, "A number.")
    if kind is int and isinstance(value, float):  # 2.0 is 2, as for `track`; 1.5 is not 1
        if not value.is_integer():
            raise _bad(field_name, "A whole number.")
        return int(value)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise _bad(field_name, "A number.") from None
    return number


def event_from(record: dict[str, Any]) -> events.EventIn:
    """One EventIn from a record shaped like `track`'s EventInput (DomainError when it is not)."""
    identifier = record.get("identifier")
    if not isinstance(identifier, dict):
        raise DomainError.one(("identifier",), ErrorCode.REQUIRED, "Give it as {kind, value}.")
    properties = record.get("properties")
    if isinstance(properties, str) and properties.strip():
        try:
            properties = orjson.loads(properties)
        except orjson.JSONDecodeError:
            raise _bad("properties", "properties is not valid JSON.") from None
    return events.EventIn(
        message_id=str(record.get("messageId") or ""),
        identifier=IdentifierIn(
            _choice(identifier.get("kind"), IdentifierKind, "identifier.kind"),
            str(identifier.get("value") or ""),
        ),
        type=_choice(record.get("type"), EventType, "type"),
        touchpoint=_choice(record.get("touchpoint"), Touchpoint, "touchpoint").value,
        occurred_at=_time(record.get("occurredAt")),
        product_sku=(str(record["productSku"]) if record.get("productSku") else None),
        quantity=_number(record.get("quantity"), "quantity", int),
        price=_number(record.get("price"), "price", float),
        properties=properties or None,
    )


# Bytes the file's encoding cannot read, kept in the text as lone surrogates
# (`surrogateescape`) so that one such line is refused and the rest still read.
_UNREADABLE = re.compile("[\udc80-\udcff]")


def _open(path: Path, encoding: str) -> TextIO:
    # utf-8-sig (the default): a byte-order mark, as spreadsheet tools write before a CSV's
    # header, is not part of the first column's name (nor of an NDJSON file's first line).
    if path.suffix.lower() == ".gz":  # EVENTS.CSV.GZ as well (Windows keeps names' case)
        raw = gzip.open(path, "rb")
        return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
    return path.open(encoding=encoding, errors="surrogateescape", newline="")


def _unreadable(*texts: str) -> re.Match[str] | None:
    """The first byte the file's encoding could not read, in these texts of one line."""
    return next(filter(None, map(_UNREADABLE.search, texts)), None)


def _not_text(found: re.Match[str], encoding: str) -> str:
    """Why a line holding bytes the encoding cannot read is left out, naming the first one."""
    byte = ord(found.group()) - 0xDC00
    name = "UTF-8" if encoding.lower().replace("_", "-").startswith("utf-8") else encoding
    return (
        f"Not {name} text (byte 0x{byte:02X}). Save the file as UTF-8, or name its encoding "
        'with --encoding (a spreadsheet\'s "CSV" on Windows is often cp1252).'
    )


def records(
    path: Path, encoding: str = "utf-8-sig"
) -> Iterator[tuple[Lines, dict[str, Any] | str]]:
    """(lines, record) for each record, or (lines, why it cannot be read): a line holding
    bytes that `encoding` cannot read is one of those, not the end of the file. `lines` are
    the first and last physical line the record takes (a CSV field in quotes may hold line
    breaks)."""
    name = path.name.lower()
    stem = name[: -len(".gz")] if name.endswith(".gz") else name
    with _open(path, encoding) as handle:
        if stem.endswith(".csv"):
            yield from _csv_records(handle, encoding)
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            at = (number, number)
            found = _unreadable(line)
            if found:
                yield at, _not_text(found, encoding)
                continue
            raw = line.encode()
            try:
                parsed = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                yield at, f"Not JSON: {error.msg}."
                continue
            try:  # 10**30 as sent (validation refuses it, as `track`'s does), not as 1e+30
                parsed = jsontext.exactly(raw, parsed)
            except RecursionError:
                yield at, "Not JSON: nested too deep."
                continue
            yield at, parsed if isinstance(parsed, dict) else "Each line is one JSON object."


def _csv_records(handle: TextIO, encoding: str) -> Iterator[tuple[Lines, dict[str, Any] | str]]:
    """`records` of a CSV file with a header. The csv module's own reader, not DictReader:
    its line count is where a record ends, and the line it began on is the count before it
    was read (plus one), blank lines being records of their own that are passed over."""
    reader = csv.reader(handle)
    try:
        header = next(reader, None) or []
    except csv.Error as error:
        yield (1, max(reader.line_num, 1)), f"Not CSV: {error}."
        return
    missing = [c for c in ("messageId", "identifierKind", "identifierValue", "type",
                           "touchpoint") if c not in header]  # fmt: skip
    if missing:
        yield (1, max(reader.line_num, 1)), f"The header lacks {', '.join(missing)}."
        return
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # e.g. a field over the csv module's limit (128 KiB)
            # The reader goes on at the next line.
            yield (before + 1, reader.line_num), f"Not CSV: {error}."
            continue
        if not row:  # a blank line (DictReader passes it over)
            continue
        at = (before + 1, reader.line_num)
        fields: dict[str, Any] = dict(zip(header, row, strict=False))  # past the header: unread
        for column in header[len(row) :]:  # a short row's columns left out: None, as DictReader
            fields[column] = None
        found = _unreadable(*(v for v in fields.values() if isinstance(v, str)))
        if found:
            yield at, _not_text(found, encoding)
            continue
        record: dict[str, Any] = {k: v for k, v in fields.items() if k in CSV_COLUMNS}
        record["identifier"] = {
            "kind": fields.get("identifierKind"),
            "value": fields.get("identifierValue"),
        }
        yield at, record


def storage_order(window: list[events.EventIn]) -> list[events.EventIn]:
    """The window's events grouped by identifier, each identifier's in the file's order.

    A message id's later lines go with its first line's identifier, behind it, so the line
    stored is the first in the file, as in file order (`track` keeps the first of a batch,
    and a line for an erased customer does not count as the first). Learning is the same
    per-event rule, taking a customer's events in the file's order; the groups themselves go
    in in the order of their identifiers."""
    first: dict[str, tuple[str, str]] = {}
    keyed = []
    for index, event in enumerate(window):
        who = (event.identifier.kind.value, event.identifier.value)
        keyed.append((first.setdefault(event.message_id, who), index))
    keyed.sort()
    return [window[index] for _, index in keyed]


def _words(error: DomainError) -> str:
    parts = []
    for problem in error.problems:
        # validate() says where in a batch ("events.0.price"); a line is its own batch.
        where = [p for p in problem.field if p not in ("events", "0")]
        parts.append(f"{'.'.join(where) + ': ' if where else ''}{problem.message}")
    return "; ".join(parts)


async def run(
    db: Database,
    path: Path,
    *,
    region: str,
    weights: Weights,
    max_properties: int,
    chunk: int = CHUNK,
    window: int = WINDOW,
    progress: Callable[[ImportReport], None] | None = None,
    encoding: str = "utf-8-sig",
) -> ImportReport:
    report = ImportReport()
    started = time.perf_counter()
    # Every hub serving the store hears what the import changed (NOTIFY in each chunk's
    # transaction on PostgreSQL, the change journal on SQLite), so an open agent screen shows
    # it live.
    broker = make_broker(db.url)
    reorder = window > 0  # 0: the file's order, a chunk at a time
    window = max(window, chunk) if reorder else chunk
    pending: list[events.EventIn] = []
    # One window is stored while the next is read: the database's own work (and the commits'
    # writes) runs on its thread, and reading and checking lines goes on meanwhile. Windows,
    # and the chunks of each, still go in one after the other.
    storing: list[asyncio.Task[None]] = []  # the window being stored, if any

    async def store(batch: list[events.EventIn]) -> None:
        async def attempt(session: AsyncSession) -> events.TrackResult:
            result = await events.track(
                session,
                batch,
                region=region,
                weights=weights,
                max_batch=len(batch),
                max_properties=max_properties,
                validated=True,
            )
            await broker.commit(session)
            return result

        # A hub took a new identifier of this chunk meanwhile (again, it is found), another
        # process held the SQLite file locked past its busy timeout (a big chunk of another
        # import), a PostgreSQL deadlock: the chunk again (`db.write_retried`).
        result = await write_retried(
            db.sessions, attempt, attempts=ATTEMPTS, pause=lambda tried: 0.05 * tried
        )
        report.accepted += result.accepted
        report.duplicates += result.duplicates
        report.suppressed += result.suppressed
        if progress is not None:
            progress(report)

    async def store_window(lines: list[events.EventIn]) -> None:
        ordered = storage_order(lines) if reorder else lines
        for at in range(0, len(ordered), chunk):
            await store(ordered[at : at + chunk])

    async def flush() -> None:
        if storing:
            await storing.pop()
        if pending:
            storing.append(asyncio.create_task(store_window(list(pending))))
            pending.clear()

    try:
        for at, record in records(path, encoding):
            report.lines += 1
            if storing and report.lines % 200 == 0:
                await asyncio.sleep(0)  # the chunk being stored takes its next step
            if isinstance(record, str):
                report.refuse(at, record)
                continue
            try:
                (event,) = events.validate([event_from(record)], 1, max_properties, region)
            except DomainError as error:
                report.refuse(at, _words(error))
                continue
            if event.type in resolvers.OWNED:  # e.g. a response code: checked live, not in bulk
                report.refuse(at, f"{event.type.value} events are sent with track, not imported")
                continue
            pending.append(event)
            if len(pending) >= window:
                await flush()
        await flush()
        await flush()  # the last window stored
    finally:  # a chunk still being stored when the import stops is rolled back before it returns
        await stop_tasks(*storing)
    report.seconds = time.perf_counter() - started
    return report


async def run_on(
    settings: Settings,
    path: Path,
    *,
    chunk: int = CHUNK,
    window: int = WINDOW,
    progress: Callable[[ImportReport], None] | None = None,
    encoding: str = "utf-8-sig",
) -> ImportReport:
    """`run` on the store `settings` name, with its region, learning weights and property
    limit, the store closed before it returns. Timed until then: on SQLite the last chunks'
    pages are then copied from the log into the database file (the checkpointer's work,
    `sqlite_driver`)."""
    started = time.perf_counter()
    db = Database(settings.database_url)
    try:
        report = await run(
            db,
            path,
            region=settings.default_region,
            weights=Weights.from_settings(settings),
            max_properties=settings.max_properties_bytes,
            chunk=chunk,
            window=window,
            progress=progress,
            encoding=encoding,
        )
    finally:
        await db.dispose()
    report.seconds = time.perf_counter() - started
    return report
