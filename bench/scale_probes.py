"""What bench/profiles_scale.py reads off a running hub and its store besides the read
latencies: the hub's RSS and I/O counters (/proc), the store's pages evicted from the OS page
cache, the CRM ids to read, and the memory that open graphql-transport-ws sockets and
profileChanged subscriptions cost (`_subscriptions`), and the pages each statement of a
cold read fetches (`_pages_per_part`)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
from pathlib import Path
from typing import Any


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _evict(path: Path) -> None:
    """Drop the store's pages from the OS page cache (posix_fadvise DONTNEED: this file only,
    its clean pages), as after a reboot or on a machine whose memory went to other work."""
    for name in (path, Path(f"{path}-wal")):
        if name.exists():
            fd = os.open(name, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def _read_through(path: Path) -> None:
    """Read the store file once, so that the OS page cache holds it (as far as memory allows):
    a server whose memory fits the store, after it has run for a while."""
    with path.open("rb", buffering=0) as handle:
        while handle.read(8 << 20):
            pass


def _io(pid: int) -> dict[str, int]:
    """The process's read syscalls and the bytes it had fetched from storage (not from the
    OS page cache), from /proc/<pid>/io."""
    pairs = (line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return {name: int(value) for name, value in pairs}


def _crm_values(path: Path, n: int, seed: int, hot: int = 0) -> list[str]:
    """`n` CRM ids drawn uniformly from the store, or from its first `hot` customers."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    size = db.execute("SELECT count(*) FROM profiles").fetchone()[0]
    db.close()
    rng = random.Random(seed)
    drawn_from = min(hot, size) if hot else size
    return [str(10_000_000 + rng.randrange(drawn_from)) for _ in range(n)]


SUBSCRIBE = "subscription($p: ID!) { profileChanged(profileId: $p) { profileId version kind } }"
CONSENT = """mutation($p: ID!) { setConsent(profileId: $p, purpose: ANALYTICS, granted: false,
  touchpoint: WEB) { userErrors { code message } } }"""


async def acknowledged_socket(ws_url: str, key: str) -> Any:
    """A graphql-transport-ws socket whose `connection_init` with `key` was acknowledged."""
    import websockets

    ws = await websockets.connect(ws_url, subprotocols=["graphql-transport-ws"])
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
    await ws.send(json.dumps(init))
    ack = json.loads(await ws.recv())
    if ack["type"] != "connection_ack":
        raise RuntimeError(f"not acknowledged: {ack}")
    return ws


async def subscribe(ws: Any, profile_id: str) -> None:
    """A `profileChanged` subscription for `profile_id` on the socket."""
    payload = {"query": SUBSCRIBE, "variables": {"p": profile_id}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))


async def _subscriptions(url: str, key: str, pid: int, profile_ids: list[str]) -> dict[str, Any]:
    """RSS of the hub in three steps of n = len(profile_ids) // 2: n sockets acknowledged
    (graphql-transport-ws `connection_init`), then one profileChanged subscription on each of
    them, then n more sockets with a subscription each. Per socket, per subscription, and per
    socket with its subscription once the first ones have warmed what is warmed once."""
    import httpx

    ws_url = url.replace("http://", "ws://") + "/graphql"
    n = len(profile_ids) // 2

    async def settled() -> int:
        await asyncio.sleep(3.0)  # every subscription has reached its feed
        return _rss_kb(pid)

    await asyncio.sleep(1.0)
    before = _rss_kb(pid)
    sockets = [await acknowledged_socket(ws_url, key) for _ in range(n)]
    connected = await settled()
    await asyncio.gather(*(subscribe(ws, p) for ws, p in zip(sockets, profile_ids, strict=False)))
    subscribed = await settled()
    for profile_id in profile_ids[n : 2 * n]:
        ws = await acknowledged_socket(ws_url, key)
        await subscribe(ws, profile_id)
        sockets.append(ws)
    both = await settled()
    # Live: a change to the first subscribed profile reaches its socket.
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(
            url + "/graphql",
            json={"query": CONSENT, "variables": {"p": profile_ids[0]}},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert not answer.json()["data"]["setConsent"]["userErrors"], answer.text
    message = json.loads(await asyncio.wait_for(sockets[0].recv(), timeout=10))
    if message["type"] != "next":
        raise RuntimeError(f"no change delivered: {message}")
    await asyncio.sleep(11.0)  # one credential re-check tick of every subscription
    ticked = _rss_kb(pid)
    for ws in sockets:
        await ws.close()
    await asyncio.sleep(2.0)
    return {
        "n": n,
        "rss_before_kb": before,
        "rss_sockets_kb": connected,
        "rss_subscribed_kb": subscribed,
        "rss_both_kb": both,
        "rss_after_tick_kb": ticked,
        "rss_closed_kb": _rss_kb(pid),
        "kb_socket_first": (connected - before) / n,
        "kb_subscription": (subscribed - connected) / n,
        "kb_socket_and_subscription": (both - subscribed) / n,
    }


def _profile_ids(port: int, key: str, values: list[str]) -> list[str]:
    import httpx

    query = "query($v: String!) { profile(identifier: {kind: CRM_ID, value: $v}) { id } }"
    found = []
    with httpx.Client(timeout=30) as client:
        for value in values:
            answer = client.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": query, "variables": {"v": value}},
                headers={"Authorization": f"Bearer {key}"},
            )
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
            found.append(answer.json()["data"]["profile"]["id"])
    return found


# The profile read's statements on SQLite, in the order hub/profile360/reading.py runs them.
PARTS = ("lookup", "identifiers", "stated", "learned", "labels", "consents", "events")


def _pages_per_part(
    path: Path, values: list[str], warm_up: list[str], cache_kib: int
) -> dict[str, float]:
    """Per statement of the profile read, the SQLite pages one read of a customer fetches
    (read syscalls of this process: a page not in the connection's own cache), after the
    connection was warmed on `warm_up` and the file evicted from the OS page cache.

    One connection with the hub's page cache runs the read as the hub does on SQLite — the
    identifier's lookup, then `hub.profile360.reading._fetch` for the parts the benchmark's
    query asks (identifiers, preferences, consents, 20 events), each statement compiled and
    bound by hub/reads.py — for each CRM id in `values`, so a count says which B-trees a cold
    read descends and how far, not what a hand-written copy would touch."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from hub.profile360 import statements as sql
    from hub.profile360.facts import CONSENTS, EVENTS, IDENTIFIERS, PREFERENCES
    from hub.profile360.reading import _fetch
    from hub.reads import _compiled
    from hub.settings import Settings
    from hub.weights import Weights

    dialect = sqlite_dialect.dialect()
    half_life = Weights.from_settings(Settings()).half_life_seconds
    part_of = dict(
        zip(
            (
                sql.PROFILE_BY_IDENTIFIER,
                sql.IDENTIFIERS_SQL,
                sql.STATED_SQL,
                sql.LEARNED_OF_ONE_SQL,
                sql.LABELS_SQL,
                sql.CONSENTS_SQL,
                sql.EVENTS_ALL,
            ),
            PARTS,
            strict=True,
        )
    )
    pid = os.getpid()

    def read(db: sqlite3.Connection, value: str, counts: dict[str, int] | None) -> None:
        def execute(statement: Any, parameters: dict[str, Any]) -> list[Any]:
            before = _io(pid)["syscr"]
            rows = db.execute(*_compiled(statement, dialect).render(parameters)).fetchall()
            if counts is not None:
                counts[part_of[statement]] += _io(pid)["syscr"] - before
            return rows

        found = execute(sql.PROFILE_BY_IDENTIFIER, {"kind": "CRM_ID", "value": value})
        if found:
            profile = found[0][0]
            keys = [(IDENTIFIERS, profile), (PREFERENCES, profile), (CONSENTS, profile)]
            _fetch(execute, [*keys, (EVENTS, profile, 20, ())], half_life)

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.execute(f"PRAGMA cache_size=-{cache_kib}")
        for value in warm_up:
            read(db, value, None)
        _evict(path)
        counts = dict.fromkeys(PARTS, 0)
        for value in values:
            read(db, value, counts)
    finally:
        db.close()
    return {part: count / len(values) for part, count in counts.items()}
