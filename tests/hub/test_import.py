"""`rapport-hub import`: events in bulk from NDJSON or CSV, as `track` would take them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.conftest import HubHandle, hub_command, unique
from tests.hub.test_identity_e2e import some_skus

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
