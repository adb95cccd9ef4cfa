"""`rapport-hub import`: events in bulk from NDJSON or CSV, as `track` would take them."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hub.events import importer
from hub.identity import bulk
from hub.settings import Settings
from tests.conftest import BIN, SAMPLE, HubHandle, hub_command, unique
from tests.hub.gql import TRACK
from tests.hub.test_identity_e2e import some_skus
from tests.hub.test_ingest_learning import write_events

PROFILE = """query($v: String!) { profile(identifier: {kind: LOYALTY_ID, value: $v}) {
  recentEvents(first: 10) { type touchpoint productSku quantity messageId }
  preferences(source: IMPLICIT) { key value } } }"""


def _line(message_id: str, loyalty: str, kind: str, sku: str, **extra: object) -> str:
    return json.dumps(
        {
            "messageId": message_id,
            "identifier": {"kind": "LOYALTY_ID", "value": loyalty},
            "type": kind,
            "touchpoint": "STORE",
            "occurredAt": "2026-11-01T10:00:00Z",
            "productSku": sku,
            **extra,
        }
    )


def test_an_ndjson_file_goes_in_once_bad_lines_are_named_and_left_out(
    hub: HubHandle, tmp_path: Path
) -> None:
    loyalty = unique("IMP").upper()
    skus = some_skus(hub, 3)
    run = unique("imp-")
    lines = [
        _line(f"{run}-1", loyalty, "VIEW", skus[0]),
        _line(f"{run}-2", loyalty, "VIEW", skus[1]),
        _line(f"{run}-3", loyalty, "PURCHASE", skus[2], quantity=2, price=3.5),
        _line(f"{run}-3", loyalty, "PURCHASE", skus[2], quantity=2, price=3.5),  # replayed
        '{"messageId": "x", "identifier": {"kind": "EMAIL", "value": "test@test.com"},'
        ' "type": "VIEW", "touchpoint": "WEB"}',
        "this is not json",
        _line(f"{run}-b1", loyalty, "LOOKED_AT", skus[0]),
        _line(f"{run}-b2", loyalty, "VIEW", skus[0], occurredAt="2026-11-01T10:00:00"),
        '{"messageId": "y", "type": "VIEW", "touchpoint": "WEB"}',
        "",
    ]
    path = tmp_path / "events.ndjson.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")

    first = hub_command(hub.database_url, "import", str(path), check=False)
    assert first.returncode == 1, first.stderr
    assert "9 lines: 3 events stored, 1 already there" in first.stderr
    assert "5 refused" in first.stderr
    assert "line 5: identifier.value:" in first.stderr and "placeholder" in first.stderr
    assert "line 6: Not JSON" in first.stderr
    assert "line 7: type: One of VIEW" in first.stderr
    assert "line 8: occurredAt: Give a time zone" in first.stderr
    assert "line 9: identifier: Give it as {kind, value}." in first.stderr

    profile = hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]
    events = profile["recentEvents"]
    assert sorted(e["messageId"] for e in events) == [f"{run}-1", f"{run}-2", f"{run}-3"]
    assert {e["touchpoint"] for e in events} == {"STORE"}
    learned = {(p["key"], p["value"]) for p in profile["preferences"]}
    assert {("product", skus[0]), ("product", skus[2])} <= learned, "learning ran as for track"

    again = hub_command(hub.database_url, "import", str(path), check=False)
    assert "9 lines: 0 events stored, 4 already there" in again.stderr
    assert len(hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]["recentEvents"]) == 3


def test_nul_characters_in_a_file_are_named_and_left_out(hub: HubHandle, tmp_path: Path) -> None:
    """A file is not the GraphQL gate: a NUL in any text of a line used to reach the store,
    where PostgreSQL refused the whole chunk with a stack trace (and SQLite stored it)."""
    loyalty = unique("NUL").upper()
    sku = some_skus(hub, 1)[0]
    run = unique("nul-")
    lines = [
        _line(f"{run}-1", loyalty, "VIEW", sku),
        _line(f"{run}-2\u0000", loyalty, "VIEW", sku),
        _line(f"{run}-3", loyalty, "VIEW", sku + "\u0000"),
        _line(f"{run}-4", loyalty, "VIEW", sku, properties={"note": "a\u0000b"}),
        _line(f"{run}-5", loyalty, "VIEW", sku, properties={"k\u0000": [1]}),
        _line(f"{run}-6", loyalty + "\u0000", "VIEW", sku),
        _line(f"{run}-7", loyalty, "VIEW", sku),
    ]
    path = tmp_path / "nul.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = hub_command(hub.database_url, "import", str(path), check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert "7 lines: 2 events stored" in done.stderr and "5 refused" in done.stderr
    assert "line 2: messageId: Control characters are not allowed." in done.stderr
    assert "line 3: productSku: Control characters are not allowed." in done.stderr
    assert "line 4: properties: properties may not hold NUL characters." in done.stderr
    assert "line 5: properties: properties may not hold NUL characters." in done.stderr
    assert "line 6: identifier.value: Text may not contain NUL characters." in done.stderr
    events = hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]["recentEvents"]
    assert sorted(e["messageId"] for e in events) == [f"{run}-1", f"{run}-7"]


def test_a_line_the_encoding_cannot_read_is_named_and_left_out(
    hub: HubHandle, tmp_path: Path
) -> None:
    """One line of bytes that are not UTF-8 used to stop the whole import ("cannot read",
    a byte offset, exit 2); now it is refused with its line number like any bad line. A
    spreadsheet's CSV saved on Windows (cp1252) goes in whole with --encoding, its text read
    as written."""
    loyalty = unique("ENC").upper()
    sku = some_skus(hub, 1)[0]
    run = unique("enc-")
    good = [_line(f"{run}-{n}", loyalty, "VIEW", sku) for n in (1, 3)]
    path = tmp_path / "mixed.ndjson.gz"
    latin = _line(f"{run}-2", loyalty, "SEARCH", "", properties={"q": "café"})
    latin = latin.replace("\\u00e9", "é")  # as written, not escaped
    path.write_bytes(
        gzip.compress(
            b"\n".join([good[0].encode(), latin.encode("cp1252"), good[1].encode()]) + b"\n"
        )
    )
    done = hub_command(hub.database_url, "import", str(path), check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "3 lines: 2 events stored" in done.stderr and "1 refused" in done.stderr
    assert "line 2: Not UTF-8 text (byte 0xE9)." in done.stderr and "--encoding" in done.stderr

    excel = tmp_path / "windows.csv"
    excel.write_bytes(
        "messageId,identifierKind,identifierValue,type,touchpoint,properties\r\n"
        f'{run}-4,LOYALTY_ID,{loyalty},SEARCH,STORE,"{{""q"": ""crème brûlée £5""}}"\r\n'
        f"{run}-5,LOYALTY_ID,{loyalty},VIEW,STORE,\r\n".encode("cp1252")
    )
    as_utf8 = hub_command(hub.database_url, "import", str(excel), check=False)
    assert "2 lines: 1 events stored" in as_utf8.stderr and "line 2: Not UTF-8" in as_utf8.stderr
    named = hub_command(hub.database_url, "import", "--encoding", "cp1252", str(excel), check=False)
    assert named.returncode == 0, named.stderr
    assert "2 lines: 1 events stored, 1 already there" in named.stderr
    read = hub.gql(
        "query($v: String!) { profile(identifier: {kind: LOYALTY_ID, value: $v}) "
        "{ recentEvents(first: 10, types: [SEARCH]) { messageId properties } } }",
        {"v": loyalty},
    )["data"]["profile"]["recentEvents"]
    assert {e["messageId"]: e["properties"] for e in read} == {f"{run}-4": {"q": "crème brûlée £5"}}
    unknown = hub_command(hub.database_url, "import", "--encoding", "nope", str(excel), check=False)
    assert unknown.returncode == 2 and "'nope' is not a text encoding" in unknown.stderr


def test_an_integer_beyond_64_bits_in_a_file_is_refused_as_by_track(
    hub: HubHandle, tmp_path: Path
) -> None:
    """orjson reads a line's 10**30 as 1e+30: the line is read again so that the integer sent
    is what validation sees, and refused as `track` refuses it (not stored as a float)."""
    loyalty = unique("BIG").upper()
    sku = some_skus(hub, 1)[0]
    run = unique("big-")
    deep = _line(f"{run}-3", loyalty, "VIEW", sku).replace(
        '"productSku"',
        '"properties": {"d": ' + "[" * 1000 + "1" + "0" * 25 + "]" * 1000 + '}, "productSku"',
    )  # orjson reads it; the stdlib's parse (for the long integer) cannot
    lines = [
        _line(f"{run}-1", loyalty, "VIEW", sku, properties={"big": 10**30}),
        _line(f"{run}-2", loyalty, "VIEW", sku, properties={"fine": 2**62, "id": "1" * 25}),
        deep,
    ]
    path = tmp_path / "big.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = hub_command(hub.database_url, "import", str(path), check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert "3 lines: 1 events stored" in done.stderr and "2 refused" in done.stderr, done.stderr
    assert "line 1: properties:" in done.stderr
    assert "line 3: Not JSON: nested too deep." in done.stderr
    events = hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]["recentEvents"]
    assert [e["messageId"] for e in events] == [f"{run}-2"]


def test_a_csv_file_with_a_header_and_a_clean_run_exits_zero(
    hub: HubHandle, tmp_path: Path
) -> None:
    loyalty = unique("CSV").upper()
    skus = some_skus(hub, 2)
    run = unique("csv-")
    path = tmp_path / "events.csv"
    path.write_text(
        "messageId,identifierKind,identifierValue,type,touchpoint,occurredAt,productSku,"
        "quantity,price,properties\n"
        f"{run}-1,loyalty_id,{loyalty.lower()},VIEW,store,2026-11-02T09:00:00+00:00,{skus[0]},,,\n"
        f"{run}-2,LOYALTY_ID,{loyalty},PURCHASE,STORE,2026-11-02T09:05:00Z,{skus[1]},1,9.99,"
        '"{""till"": 4}"\n',
        encoding="utf-8",
    )
    done = hub_command(hub.database_url, "import", str(path), check=False)
    assert done.returncode == 0, done.stderr
    assert "2 lines: 2 events stored, 0 already there" in done.stderr
    profile = hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]
    assert {e["messageId"] for e in profile["recentEvents"]} == {f"{run}-1", f"{run}-2"}

    excel = tmp_path / "excel.csv"  # as a spreadsheet saves it: a byte-order mark, CRLF
    excel.write_text(
        "messageId,identifierKind,identifierValue,type,touchpoint\r\n"
        f"{run}-3,LOYALTY_ID,{loyalty},VIEW,STORE\r\n",
        encoding="utf-8-sig",
    )
    saved = hub_command(hub.database_url, "import", str(excel), check=False)
    assert saved.returncode == 0, saved.stderr
    assert "1 lines: 1 events stored, 0 already there" in saved.stderr

    headless = tmp_path / "headless.csv"
    headless.write_text(f"{run}-9,LOYALTY_ID,{loyalty},VIEW,STORE\n", encoding="utf-8")
    refused = hub_command(hub.database_url, "import", str(headless), check=False)
    assert refused.returncode == 1 and "The header lacks" in refused.stderr
    missing = hub_command(hub.database_url, "import", str(tmp_path / "nope.ndjson"), check=False)
    assert missing.returncode == 2 and "no file at" in missing.stderr


async def _store_contents(url: str) -> tuple[list[tuple[Any, ...]], ...]:
    """Events, learned interests and profile versions, each profile named by its identifiers
    (profile ids are new in every store)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            owners: dict[str, list[str]] = {}
            for pid, kind, value in await conn.execute(
                text("SELECT profile_id, kind, value FROM identifiers")
            ):
                owners.setdefault(pid, []).append(f"{kind}:{value}")

            def named(pid: str) -> str:
                return "|".join(sorted(owners.get(pid, [pid])))

            events = await conn.execute(
                text("SELECT profile_id, message_id, type, occurred_at, product_sku FROM events")
            )
            learned = await conn.execute(
                text(
                    "SELECT profile_id, key, value, score, as_of, views, carts, purchases, "
                    "returns, last_touchpoint FROM affinities"
                )
            )
            versions = await conn.execute(text("SELECT id, version FROM profiles"))
            return tuple(
                sorted((named(row[0]), *(str(v) for v in row[1:])) for row in rows)
                for rows in (events, learned, versions)
            )
    finally:
        await engine.dispose()


def test_an_import_killed_midway_and_run_again_ends_as_one_whole_run(
    make_database: Any, tmp_path: Path
) -> None:
    """The machine goes away in the middle of an import (SIGKILL after the first chunk is in,
    the next one on its way): run again, the store holds exactly what one uninterrupted run
    gives — every event once, every learned interest bit for bit, every profile's version."""
    path = tmp_path / "events.ndjson"
    total = write_events(path)  # the sample's lines, with visitors' views and baskets around
    whole, killed = make_database("whole"), make_database("killed")
    for url in (whole, killed):
        hub_command(url, "migrate")
        hub_command(url, "seed-demo", str(SAMPLE), "--no-keys")
    done = hub_command(whole, "import", "--chunk", "500", str(path))
    assert f"{total:,} lines: {total:,} events stored" in done.stderr

    env = {**os.environ, "RAPPORT_DATABASE_URL": killed, "RAPPORT_ENV": "dev"}
    process = subprocess.Popen(
        [str(BIN / "rapport-hub"), "import", "--chunk", "500", str(path)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:  # the first chunk committed: the import is under way
        if " stored, " in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "killed before it finished"
    again = hub_command(killed, "import", "--chunk", "500", str(path))
    tail = again.stderr.replace("\n", " ")
    stored, there = re.search(
        rf"{total:,} lines: ([\d,]+) events stored, ([\d,]+) already", tail
    ).groups()
    assert int(there.replace(",", "")) >= 500 and int(stored.replace(",", "")) > 0, tail

    expected, got = asyncio.run(_store_contents(whole)), asyncio.run(_store_contents(killed))
    for part, want, have in zip(
        ("events", "learned interests", "versions"), expected, got, strict=True
    ):
        assert len(have) == len(want) and have == want, part
    assert len(expected[1]) > 1000, "the file taught the store something"


def test_an_import_that_fails_while_a_chunk_is_stored_waits_for_that_chunk(
    make_database: Any, tmp_path: Path
) -> None:
    """A file that breaks off mid-way (a truncated gzip) while a chunk is being stored: the
    import raises the file's error only once that chunk's task has ended — nothing of the
    import is left running behind the caller, and the chunk is either wholly in or not."""
    from hub.db import Database
    from hub.events import importer
    from hub.settings import Settings
    from hub.weights import Weights

    plain = tmp_path / "events.ndjson"
    total = write_events(plain)
    whole = gzip.compress(plain.read_bytes())
    path = tmp_path / "events.ndjson.gz"
    path.write_bytes(whole[: len(whole) * 3 // 4])  # the stream's end marker and a quarter gone
    url = make_database("cut")
    hub_command(url, "migrate")
    hub_command(url, "seed-demo", str(SAMPLE), "--no-keys")
    settings = Settings(database_url=url)

    async def cut_short() -> tuple[list[asyncio.Task[Any]], int]:
        db = Database(url)
        try:
            try:
                await importer.run(
                    db,
                    path,
                    region="GB",
                    weights=Weights.from_settings(settings),
                    max_properties=settings.max_properties_bytes,
                    chunk=500,
                    window=1000,  # two chunks a window: windows go in while the file is read
                )
            except EOFError:
                pass
            left = [
                t
                for t in asyncio.all_tasks()
                if getattr(t.get_coro(), "__name__", "") == "store_window"
            ]
            async with db.engine.connect() as conn:
                stored = (
                    await conn.execute(
                        text("SELECT count(*) FROM events WHERE message_id LIKE 'learn-%'")
                    )
                ).scalar_one()
            return left, stored
        finally:
            await db.dispose()

    left, stored = asyncio.run(cut_short())
    assert left == []
    assert stored % 500 == 0 and 500 <= stored < total  # whole chunks; the file broke off first


VERSION = """query($v: String!) { profile(identifier: {kind: LOYALTY_ID, value: $v}) {
  version recentEvents(first: 20) { messageId productSku } } }"""


def _interleaved(run: str, customers: list[str], skus: list[str], rounds: int) -> list[str]:
    """Each customer's lines spread over the file: one line of each in turn."""
    return [
        _line(f"{run}-{n}-{who}", who, "VIEW", skus[n % len(skus)])
        for n in range(rounds)
        for who in customers
    ]


def test_a_customers_lines_across_the_file_go_in_with_one_transaction(
    hub: HubHandle, tmp_path: Path
) -> None:
    """The window: a customer whose lines are spread over a file gets one transaction (one
    version, one change) for them all, not one in every chunk; `--window 0` keeps the
    file's order, a chunk at a time."""
    skus = some_skus(hub, 4)
    versions: dict[str, list[int]] = {}
    for window in ("100000", "0"):
        customers = [unique("WIN").upper() for _ in range(3)]
        run = unique("win-")
        path = tmp_path / f"spread-{window}.ndjson"
        path.write_text("\n".join(_interleaved(run, customers, skus, 4)) + "\n")
        done = hub_command(
            hub.database_url, "import", str(path), "--chunk", "4", "--window", window
        )
        assert "12 lines: 12 events stored" in done.stderr, done.stderr
        versions[window] = []
        for who in customers:
            profile = hub.gql(VERSION, {"v": who})["data"]["profile"]
            assert {e["messageId"] for e in profile["recentEvents"]} == {
                f"{run}-{n}-{who}" for n in range(4)
            }
            versions[window].append(profile["version"])
    # A new profile's first change gives it version 2; each later transaction one more.
    assert versions["100000"] == [2, 2, 2]
    assert max(versions["0"]) > 2, versions


def test_the_first_line_of_a_message_id_is_the_one_stored_whatever_the_window(
    hub: HubHandle, tmp_path: Path
) -> None:
    """Grouping by identifier must not change which of two lines with one message id is kept:
    the first in the file, even when the second's identifier comes first in the window's
    order."""
    skus = some_skus(hub, 2)
    later, sooner = "ZZ" + unique("DUP").upper(), "AA" + unique("DUP").upper()
    run = unique("dup-")
    lines = [
        _line(f"{run}-same", later, "VIEW", skus[0]),
        _line(f"{run}-same", sooner, "VIEW", skus[1]),
        _line(f"{run}-own", sooner, "VIEW", skus[1]),
    ]
    path = tmp_path / "dup.ndjson"
    path.write_text("\n".join(lines) + "\n")
    done = hub_command(hub.database_url, "import", str(path), "--chunk", "1")
    assert "3 lines: 2 events stored, 1 already there" in done.stderr, done.stderr
    kept = hub.gql(VERSION, {"v": later})["data"]["profile"]["recentEvents"]
    assert [e["messageId"] for e in kept] == [f"{run}-same"]
    other = hub.gql(VERSION, {"v": sooner})["data"]["profile"]["recentEvents"]
    assert [e["messageId"] for e in other] == [f"{run}-own"]


async def test_a_new_customer_whose_every_line_another_writer_stored_meanwhile_gets_no_profile(
    hub: HubHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's lines for a new customer are stored by another writer (a hub's `track`,
    another import) under another identifier after the chunk's first look at the ids and
    before it looks its owners up: they counted as already there, but the new customer still
    got a profile, left with no event at all (an empty ghost profile)."""
    sku = some_skus(hub, 1)[0]
    known, newcomer = unique("KNOWN").upper(), unique("GHOST").upper()
    run = unique("ghost-")
    path = tmp_path / "ghost.ndjson"
    path.write_text("".join(_line(f"{run}-{n}", newcomer, "VIEW", sku) + "\n" for n in (1, 2)))
    others: list[dict[str, Any]] = []
    real = bulk.locked_owners

    async def meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not others:  # the hub stores the same ids for a known customer, then the chunk goes on
            batch = [json.loads(_line(f"{run}-{n}", known, "VIEW", sku)) for n in (1, 2)]
            others.append(await asyncio.to_thread(hub.gql, TRACK, {"events": batch}))
        return await real(*args, **kwargs)

    monkeypatch.setattr(bulk, "locked_owners", meanwhile)
    report = await importer.run_on(Settings(database_url=hub.database_url), path)
    assert others[0]["data"]["track"]["accepted"] == 2, others
    assert (report.accepted, report.duplicates, report.refused) == (0, 2, 0)
    assert hub.gql(PROFILE, {"v": newcomer})["data"]["profile"] is None
    assert len(hub.gql(PROFILE, {"v": known})["data"]["profile"]["recentEvents"]) == 2


def test_a_gzip_file_cut_short_or_damaged_is_a_clear_error_not_a_traceback(
    hub: HubHandle, tmp_path: Path
) -> None:
    """A truncated gzip raises EOFError and damaged compressed data zlib.error, neither an
    OSError: the import ended with a traceback and exit 1 (the code of refused lines)."""
    loyalty = unique("GZ").upper()
    sku = some_skus(hub, 1)[0]
    run = unique("gz-")
    plain = "".join(_line(f"{run}-{n}", loyalty, "VIEW", sku) + "\n" for n in range(3000))
    whole = gzip.compress(plain.encode())
    cut = tmp_path / "cut.ndjson.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    damaged = bytearray(whole)
    for at in range(100, 200):
        damaged[at] ^= 0x55
    broken = tmp_path / "damaged.ndjson.gz"
    broken.write_bytes(bytes(damaged))
    for path in (cut, broken):
        done = hub_command(hub.database_url, "import", str(path), check=False)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 2 and f"error: cannot read {path}:" in done.stderr, done.stderr


def test_a_csv_field_over_the_csv_module_s_limit_is_named_and_left_out(
    hub: HubHandle, tmp_path: Path
) -> None:
    """The csv module refuses a field over 128 KiB with csv.Error: the whole import stopped
    with a traceback; now that line is named and the lines after it go in."""
    loyalty = unique("CSVBIG").upper()
    run = unique("csvbig-")
    huge = '"{""note"": ""' + "x" * 200_000 + '""}"'
    path = tmp_path / "huge.csv"
    path.write_text(
        "messageId,identifierKind,identifierValue,type,touchpoint,properties\n"
        f"{run}-1,LOYALTY_ID,{loyalty},VIEW,STORE,\n"
        f"{run}-2,LOYALTY_ID,{loyalty},VIEW,STORE,{huge}\n"
        f"{run}-3,LOYALTY_ID,{loyalty},VIEW,STORE,\n",
        encoding="utf-8",
    )
    done = hub_command(hub.database_url, "import", str(path), check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1 and "line 3: Not CSV: field larger than" in done.stderr
    assert "3 lines: 2 events stored" in done.stderr and "1 refused" in done.stderr
    events = hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]["recentEvents"]
    assert sorted(e["messageId"] for e in events) == [f"{run}-1", f"{run}-3"]


def test_a_csv_record_over_several_lines_is_named_from_its_first_line(
    hub: HubHandle, tmp_path: Path
) -> None:
    """A quoted field may hold line breaks, so one record takes several lines: a bad one was
    named by its last line, where a reader looking for it finds the middle of its properties.
    Now by the lines it takes, from the first (blank lines between records passed over)."""
    loyalty = unique("CSVML").upper()
    run = unique("csvml-")
    huge = "x" * 200_000
    path = tmp_path / "notes.csv"
    path.write_text(
        "messageId,identifierKind,identifierValue,type,touchpoint,properties\n"  # 1
        f'{run}-1,LOYALTY_ID,{loyalty},VIEW,STORE,"{{""note"": ""two"",\n""n"": 2}}"\n'  # 2-3
        f'{run}-2,LOYALTY_ID,{loyalty},LOOKED_AT,STORE,"{{""a"": 1,\n""b"": 2,\n""c"": 3}}"\n'
        "\n"  # 4-6, then a blank line 7
        f"{run}-3,LOYALTY_ID,{loyalty},VIEW,NOWHERE,\n"  # 8
        f'{run}-4,LOYALTY_ID,{loyalty},VIEW,STORE,"{{""note"":\n""{huge}""}}"\n'  # 9-10
        f"{run}-5,LOYALTY_ID,{loyalty},VIEW,STORE,\n",  # 11
        encoding="utf-8",
    )
    done = hub_command(hub.database_url, "import", str(path), check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert "5 lines: 2 events stored" in done.stderr and "3 refused" in done.stderr, done.stderr
    assert "lines 4–6: type: One of VIEW" in done.stderr, done.stderr
    assert "line 8: touchpoint: One of" in done.stderr, done.stderr
    assert "lines 9–10: Not CSV: field larger than" in done.stderr, done.stderr
    events = hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]["recentEvents"]
    assert sorted(e["messageId"] for e in events) == [f"{run}-1", f"{run}-5"]


def test_a_window_beyond_what_memory_holds_is_refused_saying_what_it_costs(
    make_database: Any, tmp_path: Path
) -> None:
    """`--window` took up to ten million lines: two windows are held in memory at ~0.7 KB a
    line, ~15 GB, and the import was killed for memory with nothing said. At most a million
    now (~1.5 GB), and the refusal and the help say what a line of it costs."""
    url = make_database("window")
    path = tmp_path / "events.ndjson"
    path.write_text(_line("window-1", "WINDOW1", "VIEW", "85123A") + "\n", encoding="utf-8")
    for window, said in (
        (
            "1000001",
            "--window: 1000001 is not between 0 and 1000000 (a window's line takes ~0.7 KB",
        ),
        ("10000000", "--window: 10000000 is not between 0 and 1000000"),
        ("-1", "--window: -1 is not between 0 and 1000000"),
        ("lots", "--window: 'lots' is not a whole number"),
    ):
        refused = hub_command(url, "import", "--window", window, str(path), check=False)
        assert refused.returncode == 2 and said in refused.stderr, (window, refused.stderr)
        assert "Traceback" not in refused.stderr
    told = " ".join(hub_command(url, "import", "--help").stdout.split())  # as wrapped
    assert "at most 1000000" in told and "Memory: about 1.5 KB a line" in told, told
    done = hub_command(url, "import", "--window", "1000000", str(path))
    assert "1 lines: 1 events stored" in done.stderr, done.stderr


def test_a_quantity_that_is_not_a_whole_number_is_refused_not_cut_down(
    hub: HubHandle, tmp_path: Path
) -> None:
    """`int()` took a line's quantity 1.5 as 1 and `true` as 1 (a price `true` as 1.0), where
    `track` refuses them (GraphQL's Int and Float): a purchase of one and a half stored as
    one. A whole number written 2.0 is 2, as `track` takes it."""
    loyalty = unique("QTY").upper()
    sku = some_skus(hub, 1)[0]
    run = unique("qty-")
    lines = [
        _line(f"{run}-1", loyalty, "PURCHASE", sku, quantity=1.5),
        _line(f"{run}-2", loyalty, "PURCHASE", sku, quantity=True),
        _line(f"{run}-3", loyalty, "PURCHASE", sku, quantity=1, price=True),
        _line(f"{run}-4", loyalty, "PURCHASE", sku, quantity=2.0),
    ]
    path = tmp_path / "quantities.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = hub_command(hub.database_url, "import", str(path), check=False)
    assert "4 lines: 1 events stored" in done.stderr and "3 refused" in done.stderr, done.stderr
    assert "line 1: quantity: A whole number." in done.stderr
    assert "line 2: quantity: A number." in done.stderr
    assert "line 3: price: A number." in done.stderr
    events = hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]["recentEvents"]
    assert [(e["messageId"], e["quantity"]) for e in events] == [(f"{run}-4", 2)]


@pytest.mark.sqlite_only
def test_a_chunk_that_waits_out_another_process_s_long_write_is_tried_again(
    make_database: Any, tmp_path: Path
) -> None:
    """Another process holds the SQLite file's write lock past the busy timeout (10 s; a big
    chunk of another import, a long upkeep): the chunk's write met "database is locked" and
    the import ended with a traceback, where `track` tries such a write again. Now the chunk
    is tried again and goes in once the lock is free."""
    import sqlite3
    import threading

    from sqlalchemy.engine import make_url

    url = make_database("busy")
    assert url.startswith("sqlite")
    hub_command(url, "migrate")
    path = tmp_path / "events.ndjson"
    path.write_text(
        "".join(_line(f"busy-{n}", "BUSY1", "VIEW", "85123A") + "\n" for n in range(10)),
        encoding="utf-8",
    )
    holding, held = threading.Event(), 12.0

    def hold() -> None:
        other = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        holding.set()
        time.sleep(held)
        other.execute("ROLLBACK")
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    done = hub_command(url, "import", str(path), check=False)
    holder.join()
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 0 and "10 lines: 10 events stored" in done.stderr, done.stderr


def test_a_file_s_kind_is_told_by_its_name_in_any_case(hub: HubHandle, tmp_path: Path) -> None:
    """EVENTS.CSV (as Windows tools may name it) was read as NDJSON, every line refused as
    "Not JSON", and EVENTS.CSV.GZ as plain text, refused as "Not UTF-8"."""
    loyalty = unique("CASE").upper()
    run = unique("case-")
    text = (
        "messageId,identifierKind,identifierValue,type,touchpoint\n"
        f"{run}-1,LOYALTY_ID,{loyalty},VIEW,STORE\n"
    )
    plain = tmp_path / "EVENTS.CSV"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "MORE.CSV.GZ"
    packed.write_bytes(gzip.compress(text.replace(f"{run}-1", f"{run}-2").encode()))
    for path in (plain, packed):
        done = hub_command(hub.database_url, "import", str(path), check=False)
        assert done.returncode == 0, done.stderr
        assert "1 lines: 1 events stored" in done.stderr, done.stderr
    events = hub.gql(PROFILE, {"v": loyalty})["data"]["profile"]["recentEvents"]
    assert sorted(e["messageId"] for e in events) == [f"{run}-1", f"{run}-2"]


def test_a_directory_or_a_pipe_is_named_as_not_a_file(make_database: Any, tmp_path: Path) -> None:
    """`no file at …` was the answer for a directory or a named pipe that is there."""
    url = make_database("notfile")
    folder = tmp_path / "events.ndjson"
    folder.mkdir()
    pipe = tmp_path / "pipe.ndjson"
    os.mkfifo(pipe)
    for path in (folder, pipe):
        done = hub_command(url, "import", str(path), check=False)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert f"error: {path} is not a file (a directory or a pipe?)" in done.stderr


def test_an_import_stopped_with_ctrl_c_says_so_without_a_traceback(
    make_database: Any, tmp_path: Path
) -> None:
    """SIGINT (Ctrl-C) in the middle of an import printed KeyboardInterrupt's traceback; the
    chunk in hand is rolled back either way, and a run again adds only what is missing."""
    path = tmp_path / "events.ndjson"
    total = write_events(path)
    url = make_database("sigint")
    hub_command(url, "migrate")
    hub_command(url, "seed-demo", str(SAMPLE), "--no-keys")
    env = {**os.environ, "RAPPORT_DATABASE_URL": url, "RAPPORT_ENV": "dev"}
    process = subprocess.Popen(
        [str(BIN / "rapport-hub"), "import", "--chunk", "500", str(path)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        # as a terminal's Ctrl-C finds it (a background job of a script would ignore SIGINT)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    for line in process.stderr:  # the first chunk committed: the import is under way
        if " stored, " in line:
            process.send_signal(signal.SIGINT)
            break
    rest = process.stderr.read()
    process.wait(timeout=60)
    assert "Traceback" not in rest, rest
    assert process.returncode == 130 and "interrupted:" in rest, (process.returncode, rest)
    again = hub_command(url, "import", "--chunk", "500", str(path))
    assert f"{total:,} lines: " in again.stderr and " 0 refused" in again.stderr
