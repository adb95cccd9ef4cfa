"""SQLite's change journal (hub/broker.py: SqliteBroker), in-process: who listens, what a
writer adds, what goes after a minute, what a listener does when it fell behind or the store
has no journal."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import text

from hub.broker import RESYNC, LocalBroker, ProfileChange, SqliteBroker, make_broker, record_change
from hub.db import Database
from hub.migrate import upgrade


async def _store(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "store.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    return url, path


def _change(profile: str, version: int) -> ProfileChange:
    return ProfileChange(profile, version, "WEB", "EVENTS", f"change {version}")


async def _write(db: Database, broker: LocalBroker, *changes: ProfileChange) -> None:
    async with db.sessions() as session:
        await session.execute(text("SELECT 1"))
        for change in changes:
            record_change(session, change)
        await broker.commit(session)


async def _first_change_heard_plainly(url: str) -> None:
    """A started listener's subscriber hears its first write as written (no RESYNC)."""
    db = Database(url)
    broker = make_broker(url)
    await broker.start()
    feed = broker.subscribe("p1")
    waiting = asyncio.ensure_future(anext(feed))
    try:
        await _write(db, broker, _change("p1", 1))
        assert await asyncio.wait_for(waiting, 2) == _change("p1", 1)
    finally:
        waiting.cancel()
        await broker.stop()
        await db.dispose()


def _journal(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM change_journal").fetchone()[0])


async def test_a_writer_journals_only_while_another_process_listens(tmp_path: Path) -> None:
    url, path = await _store(tmp_path)
    db = Database(url)
    writer = make_broker(url)  # an import: never started
    assert isinstance(writer, SqliteBroker)
    try:
        await _write(db, writer, _change("p1", 1))
        assert _journal(path) == 0, "nobody listens: nothing is written"

        listener = make_broker(url)
        await listener.start()
        feed = listener.subscribe("p1")
        waiting = asyncio.ensure_future(anext(feed))
        writer._others = (float("-inf"), False)  # as RECHECK_SECONDS later
        await _write(db, writer, _change("p1", 2))
        assert _journal(path) == 1
        heard = await asyncio.wait_for(waiting, 2)
        assert heard == _change("p1", 2)

        await listener.stop()
        writer._others = (float("-inf"), False)
        await _write(db, writer, _change("p1", 3))
        assert _journal(path) == 1, "the listener stopped: nothing more is written"
        waiting.cancel()
    finally:
        await db.dispose()


async def test_rows_older_than_a_minute_and_silent_listeners_go(tmp_path: Path) -> None:
    url, path = await _store(tmp_path)
    now = time.time()
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO change_journal (at, changes) VALUES (?, '[]')",
            [(now - 3600,), (now - SqliteBroker.KEEP_SECONDS - 1,), (now - 5,)],
        )
        connection.execute("INSERT INTO change_listeners VALUES ('gone', ?)", (now - 3600,))
    broker = make_broker(url)
    await broker.start()
    try:
        with sqlite3.connect(path) as connection:
            kept = [at for (at,) in connection.execute("SELECT at FROM change_journal")]
            listeners = [o for (o,) in connection.execute("SELECT origin FROM change_listeners")]
        assert kept == [now - 5]
        assert "gone" not in listeners and len(listeners) == 1
    finally:
        await broker.stop()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM change_listeners").fetchone()[0] == 0


async def test_a_listener_that_fell_behind_the_journal_tells_subscribers_to_re_read(
    tmp_path: Path,
) -> None:
    url, path = await _store(tmp_path)
    broker = make_broker(url)
    assert isinstance(broker, SqliteBroker)
    await broker.start()
    feed = broker.subscribe("p1")
    waiting = asyncio.ensure_future(anext(feed))
    await asyncio.sleep(0)  # subscribed
    try:
        with sqlite3.connect(path) as connection:  # rows it never read, then taken away
            connection.executemany(
                "INSERT INTO change_journal (at, changes) VALUES (?, '[]')", [(time.time(),)] * 3
            )
            connection.execute("DELETE FROM change_journal WHERE id < 3")
        marker = await asyncio.wait_for(waiting, 2)
        assert marker is not None and marker.kind == RESYNC and marker.profile_id == "p1"
    finally:
        waiting.cancel()
        await broker.stop()


async def test_a_first_subscriber_hears_nothing_committed_before_it_subscribed(
    tmp_path: Path,
) -> None:
    """A listener with no subscriber reads the journal only every IDLE_SECONDS; a subscriber
    arriving in between starts after what was committed before it (it read that already)."""
    url, _ = await _store(tmp_path)
    db = Database(url)
    writer = make_broker(url)
    listener = make_broker(url)
    assert isinstance(writer, SqliteBroker) and isinstance(listener, SqliteBroker)
    listener.IDLE_SECONDS = 0.5
    await listener.start()
    await asyncio.sleep(0.1)  # idle, between two reads
    await _write(db, writer, _change("p1", 1))  # before the subscriber
    feed = listener.subscribe("p1")
    try:
        waiting = asyncio.ensure_future(anext(feed))
        await _write(db, writer, _change("p1", 2))
        assert await asyncio.wait_for(waiting, 2) == _change("p1", 2)
    finally:
        await feed.aclose()
        await listener.stop()
        await db.dispose()


async def test_a_store_without_a_journal_keeps_changes_in_its_process(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()  # not migrated: start warns, and the broker stays in-process
    await _first_change_heard_plainly(f"sqlite+aiosqlite:///{path}")


async def test_a_listener_starting_after_every_row_went_hears_the_next_change_plainly(
    tmp_path: Path,
) -> None:
    """A quiet store keeps no journal rows past a minute, but their numbers stay given out:
    a hub started then is not behind, and its first change is no RESYNC."""
    url, path = await _store(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO change_journal (at, changes) VALUES (?, '[]')", [(time.time(),)] * 3
        )
        connection.execute("DELETE FROM change_journal")
    await _first_change_heard_plainly(url)


def test_a_change_is_sent_with_every_field() -> None:
    """What goes into the journal and PostgreSQL's notifications (`ProfileChange.fields`) is
    every field of the change, as `dataclasses.asdict` would give it, and reads back whole."""
    for change in (
        _change("p1", 3),
        ProfileChange("p2", 7, "KIOSK", "MERGED", "Merged into p9", merged_into="p9"),
    ):
        assert change.fields() == asdict(change)
        assert ProfileChange(**json.loads(json.dumps(change.fields()))) == change


async def test_a_feed_hears_what_is_committed_after_it_was_made_before_it_is_read(
    tmp_path: Path,
) -> None:
    """Subscribed when `subscribe` returns: a subscription reads the profile's version after
    that, and a change committed in between must reach the feed (it used to start listening
    only when first read, after the version was read and a RESYNC sent: the change was lost).
    In one process, and from another process through the journal."""
    local = LocalBroker()
    feed = local.subscribe("p1")
    local.dispatch([_change("p1", 1)])
    assert await asyncio.wait_for(anext(feed), 2) == _change("p1", 1)
    await feed.aclose()
    assert local.subscriber_count == 0, "closed: no longer listening"
    never_read = local.subscribe("p1")
    never_read.close()  # a subscription refused before its first read
    assert local.subscriber_count == 0

    url, _ = await _store(tmp_path)
    db = Database(url)
    writer = make_broker(url)
    listener = make_broker(url)
    await listener.start()
    feed = listener.subscribe("p1")
    try:
        await _write(db, writer, _change("p1", 1))
        assert await asyncio.wait_for(anext(feed), 2) == _change("p1", 1)
    finally:
        await feed.aclose()
        await listener.stop()
        await db.dispose()
