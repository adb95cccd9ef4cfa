"""`rapport-hub retention`, `partitions` and `vacuum`: the store's upkeep."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from hub.db import Database
from hub.settings import get_settings

T = TypeVar("T")


def in_session(work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work` in one committed session on RAPPORT_DATABASE_URL (the commands' helper)."""

    async def run() -> T:
        db = Database(get_settings().database_url)
        try:
            async with db.sessions() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await db.dispose()

    return asyncio.run(run())


def _retention(_: argparse.Namespace) -> int:
    from hub.events import retention

    settings = get_settings()
    result = in_session(
        lambda s: retention.apply(
            s, settings.event_retention_days, settings.no_analytics_retention_days
        )
    )
    dropped = len(result.partitions_dropped)
    print(
        f"deleted {result.expired} expired events"
        + (f" ({dropped} month partitions dropped whole)" if dropped else "")
        + f" and {result.no_analytics} events of customers who refused analytics",
        file=sys.stderr,
    )
    return 0


def _partitions(_: argparse.Namespace) -> int:
    from hub.events import partitions

    ahead = get_settings().event_partition_months_ahead
    made = in_session(lambda s: partitions.maintain(s, ahead))
    print(f"event partitions created: {', '.join(made) or 'none needed'}", file=sys.stderr)
    return 0


def _vacuum(_: argparse.Namespace) -> int:
    from hub import sqlite_driver
    from hub.db import asyncpg_connect_args, vacuum_sqlite

    url = get_settings().database_url
    if not url.startswith("sqlite"):

        async def analyse() -> None:
            import asyncpg

            connection = await asyncpg.connect(**asyncpg_connect_args(url))
            try:
                await connection.execute("VACUUM (ANALYZE)")  # online: hubs keep serving
            finally:
                await connection.close()

        asyncio.run(analyse())
        print("vacuumed and analysed the PostgreSQL store", file=sys.stderr)
        return 0
    try:
        (page, size), (new_page, new_size) = vacuum_sqlite(url)
    except sqlite_driver.StoreInUse:
        print(
            "rapport-hub vacuum: the store is open elsewhere; stop every hub and command that "
            "uses it, then run vacuum again (nothing was changed)",
            file=sys.stderr,
        )
        return 1
    except (sqlite3.Error, ValueError) as error:  # no such file, an in-memory URL, a disk error
        print(f"rapport-hub vacuum: {error} (nothing was changed)", file=sys.stderr)
        return 1
    except sqlite_driver.NotEnoughDisk as short:
        needed, free, where = short.args
        print(
            f"rapport-hub vacuum: rewriting needs {needed / 1e6:,.1f} MB free in {where}, "
            f"which has {free / 1e6:,.1f} MB (nothing was changed)",
            file=sys.stderr,
        )
        return 1
    print(
        f"rewrote the store: {size / 1e6:,.1f} MB in {page // 1024} KiB pages → "
        f"{new_size / 1e6:,.1f} MB in {new_page // 1024} KiB pages",
        file=sys.stderr,
    )
    return 0


def add_commands(sub: Any) -> None:
    sub.add_parser("retention", help="delete raw events past their retention").set_defaults(
        func=_retention
    )
    sub.add_parser(
        "partitions",
        help="PostgreSQL: create this month's and the coming months' event partitions, and "
        "one for every month the default partition holds (the hub also does, daily)",
    ).set_defaults(func=_partitions)
    sub.add_parser(
        "vacuum",
        help="SQLite: rewrite the store file (free pages given back, tables in key order, 8 "
        "KiB pages for a store made with 4 KiB ones; stop the hubs first, and have about "
        "twice the store's size free on disk); PostgreSQL: VACUUM (ANALYZE), online",
    ).set_defaults(func=_vacuum)
