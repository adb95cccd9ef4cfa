"""What bench/postgraphile_peer.py sends and checks: PostGraphile's query for the profile read
(`PEER_QUERY`: the rows of bench/profile_floor.py's `PROFILE`), the request each target gets,
the client threads that drive a target, and the row-by-row comparison of the answers that
comes before anything is timed."""

from __future__ import annotations

import http.client
import math
import sys
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.drive import drive  # noqa: E402
from bench.profile_floor import PROFILE  # noqa: E402

PEER_QUERY = """query($v: String!) { identifierByKindAndValue(kind: "CRM_ID", value: $v) {
  profileByProfileId { rowId firstName lastName
    identifiersByProfileId(orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { nodes { kind value } }
    preferencesByProfileId(orderBy: [UPDATED_AT_DESC, ROW_ID_DESC]) {
      nodes { key value label like weight touchpoint origin updatedAt } }
    topInterests { nodes { key value label weight views carts purchases returns lastTouchpoint } }
    consentsByProfileId(orderBy: [PURPOSE_ASC]) { nodes { purpose granted touchpoint updatedAt } }
    eventsByProfileId(first: 20, orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC]) {
      nodes { type touchpoint occurredAt productSku productName quantity } } } } }"""


# ---------------------------------------------------------------- driving both


def _drive(
    port: int, make: Any, headers: dict[str, str], values: list[str], clients: int
) -> tuple[list[float], float]:
    """Milliseconds of every request and the wall seconds of the whole turn (a null root
    field, PostGraphile's "no such identifier", is a failure)."""
    return drive(port, make, values, clients, headers, empty=b":null}}")


def _hub_body(value: str) -> bytes:
    return orjson.dumps({"query": PROFILE, "variables": {"v": value}})


def _peer_body(value: str) -> bytes:
    return orjson.dumps({"query": PEER_QUERY, "variables": {"v": value}})


def _hub_ask(value: str) -> tuple[str, str, bytes | None]:
    return "POST", "/graphql", _hub_body(value)


def _peer_ask(value: str) -> tuple[str, str, bytes | None]:
    return "POST", "/graphql", _peer_body(value)


def _floor_ask(value: str) -> tuple[str, str, bytes | None]:
    return "GET", f"/profile?crm={value}", None


def _post(port: int, body: bytes, headers: dict[str, str]) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/graphql", body=body, headers=headers)
    data = orjson.loads(conn.getresponse().read())
    conn.close()
    return data["data"]


def _same_rows(hub_port: int, hub_headers: dict[str, str], peer_port: int, value: str) -> None:
    """Both answers hold the same rows in the same order (the hub's weights are shown
    normalised and its consents with the policy's defaults, so those are not compared)."""
    hub = _post(hub_port, _hub_body(value), hub_headers)["profile"]
    peer = _post(peer_port, _peer_body(value), {"Content-Type": "application/json"})
    peer = peer["identifierByKindAndValue"]["profileByProfileId"]
    assert hub["identifiers"] == peer["identifiersByProfileId"]["nodes"], value
    stated = [(p["key"], p["value"], p["label"]) for p in peer["preferencesByProfileId"]["nodes"]]
    mine = [(p["key"], p["value"], p["label"]) for p in hub["preferences"]]
    assert mine[: len(stated)] == stated, f"{value}: {mine} != {stated}"
    # Learned interests of equal strength may come in either order, and a tie at the 15th
    # place may be cut either way (neither server orders ties); all else must be the same.
    learned = peer["topInterests"]["nodes"]
    weakest = min((abs(p["weight"]) for p in learned), default=0.0)
    theirs = {(p["key"], p["value"], p["label"]): abs(p["weight"]) for p in learned}
    only_theirs = set(theirs) - set(mine[len(stated) :])
    assert len(mine) - len(stated) == len(theirs), value
    assert all(math.isclose(theirs[t], weakest) for t in only_theirs), f"{value}: {only_theirs}"
    granted = {c["purpose"]: c["granted"] for c in peer["consentsByProfileId"]["nodes"]}
    assert all(c["granted"] == granted.get(c["purpose"], c["granted"]) for c in hub["consents"])
    events = peer["eventsByProfileId"]["nodes"]
    assert [(e["type"], _instant(e["occurredAt"])) for e in hub["recentEvents"]] == [
        (e["type"], _instant(e["occurredAt"])) for e in events
    ], value


def _same_as_peer(one_port: int, peer_port: int, value: str) -> None:
    """The one-statement probe reads the rows PostGraphile reads."""
    conn = http.client.HTTPConnection("127.0.0.1", one_port, timeout=60)
    conn.request("GET", f"/profile?crm={value}")
    mine = orjson.loads(conn.getresponse().read())["data"]["profile"]
    conn.close()
    peer = _post(peer_port, _peer_body(value), {"Content-Type": "application/json"})
    peer = peer["identifierByKindAndValue"]["profileByProfileId"]
    assert mine["identifiers"] == peer["identifiersByProfileId"]["nodes"], value
    assert [(p["key"], p["value"]) for p in mine["interests"]] == [
        (p["key"], p["value"]) for p in peer["topInterests"]["nodes"]
    ], value
    assert [(e["type"], _instant(e["occurredAt"])) for e in mine["recentEvents"]] == [
        (e["type"], _instant(e["occurredAt"])) for e in peer["eventsByProfileId"]["nodes"]
    ], value


def _instant(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()
