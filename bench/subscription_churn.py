"""Memory of a hub whose agents and kiosks come and go (issue 16, goal 4's per-subscription
memory): does what a graphql-transport-ws socket with a `profileChanged` subscription holds
come back when it closes?

Usage: .venv/bin/python bench/subscription_churn.py [--sockets 300] [--cycles 14]

One hub (production mode, one process) on the sample store (SQLite, seeded by `seed-demo`).
Each cycle opens `--sockets` sockets one after the other (`connection_init` with the admin key,
acknowledged), subscribes each to one of 50 profiles, waits 2 s, closes them all and waits 3 s;
the hub's RSS (/proc/<pid>/status) is read with the sockets open and after they closed. A hub
that kept something per closed socket grows by about the same amount every cycle (~0.1 MiB a
socket, what an open one costs: docs/performance.md, goal 4); one that frees it levels off,
CPython's arenas and the allocator keeping what the first cycles took.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale_probes import _rss_kb, acknowledged_socket, subscribe


async def _cycle(
    ws_url: str, key: str, profile_ids: list[str], pid: int, n: int
) -> tuple[int, int]:
    sockets = []
    for i in range(n):
        ws = await acknowledged_socket(ws_url, key)
        await subscribe(ws, profile_ids[i % len(profile_ids)])
        sockets.append(ws)
    await asyncio.sleep(2.0)  # every subscription has reached its feed
    opened = _rss_kb(pid)
    for ws in sockets:
        await ws.close()
    await asyncio.sleep(3.0)
    return opened, _rss_kb(pid)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=300)
    parser.add_argument("--cycles", type=int, default=14)
    args = parser.parse_args()
    from tests.conftest import NO_TRAINING, prepare_database, start_hub, stop_hub

    store = Path(tempfile.mkdtemp(prefix="rapport-churn-")) / "churn.db"
    url = f"sqlite+aiosqlite:///{store}"
    keys = prepare_database(url)
    with sqlite3.connect(store) as raw:
        profile_ids = [row[0] for row in raw.execute("SELECT id FROM profiles LIMIT 50")]
    hub = start_hub(
        url,
        keys,
        RAPPORT_ENV="production",
        RAPPORT_SECRET_KEY="churn" * 13,
        **NO_TRAINING,
    )
    try:
        assert hub.process is not None
        pid = hub.process.pid
        ws_url = hub.url.replace("http://", "ws://") + "/graphql"
        print(f"hub RSS after start: {_rss_kb(pid) / 1024:.1f} MiB")
        print(f"{'cycle':>5} {'open, MiB':>10} {'closed, MiB':>12} {'growth, MiB':>12}")
        last = _rss_kb(pid)
        for cycle in range(1, args.cycles + 1):
            opened, closed = asyncio.run(
                _cycle(ws_url, keys["admin"], profile_ids, pid, args.sockets)
            )
            mib = [value / 1024 for value in (opened, closed, closed - last)]
            print(f"{cycle:5} {mib[0]:10.1f} {mib[1]:12.1f} {mib[2]:12.1f}")
            last = closed
    finally:
        stop_hub(hub)
        shutil.rmtree(store.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
