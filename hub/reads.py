"""Several reads in one trip: on SQLite, statements run one after another on the driver's thread.

Through SQLAlchemy every statement is a trip of its own to the sqlite3 connection's thread
(~0.4 ms of hand-off each on a busy machine) plus SQLAlchemy's execution. Here the same
statements, compiled once per dialect, run one after another on the driver's own thread
(`run`, given a function taking the `execute` this module provides), and their rows are
converted afterwards with SQLAlchemy's own result processors, so the values are what
SQLAlchemy's rows would hold (aware datetimes, booleans, decimals, JSON). On any other store
the statements go through the session's connection, one after another.

A domain describes a read as a `Read` (its statements and how their rows become its answer) and
any caller gathers several domains' reads into one trip with `fetch`: the profile read's bundle
(hub.profile360) and the recommender's shopper (hub.recs) are read that way."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import UTCDateTime, from_sqlite_time

# (statement, parameters) -> rows: SQLAlchemy's rows, or the driver's plain tuples.
Execute = Callable[[Any, dict[str, Any]], Sequence[Any]]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read(Generic[T]):
    """A domain's read: its Core SELECT statements with their parameters, and what their rows
    (one list per statement, values as SQLAlchemy's rows hold them) answer."""

    statements: tuple[tuple[Any, dict[str, Any]], ...]
    answer: Callable[[list[Sequence[Any]]], T]


async def fetch(session: AsyncSession, reads: Sequence[Read[Any]]) -> list[Any]:
    """Each read's answer, in order: on SQLite every statement in one trip to the driver's
    thread, elsewhere one after another on the session's connection."""
    statements = [s for read in reads for s in read.statements]
    found = await sqlite_driver(session)
    if found is not None:
        driver, dialect = found

        def work(execute: Execute) -> dict[Any, Any]:
            return {i: execute(q, p) for i, (q, p) in enumerate(statements)}

        rows = converted(await run(driver, dialect, work), dialect, lambda i: statements[i][0])
        results = [rows[i] for i in range(len(statements))]
    else:
        conn = await session.connection()
        results = [list(await conn.execute(q, p)) for q, p in statements]
    answers, at = [], 0
    for read in reads:
        answers.append(read.answer(results[at : at + len(read.statements)]))
        at += len(read.statements)
    return answers


async def sqlite_driver(session: AsyncSession) -> tuple[Any, Any] | None:
    """The session's SQLite driver connection (hub.sqlite_driver.Connection, whose `run` takes
    a function to its thread) and dialect; None on any other store."""
    conn = await session.connection()
    if conn.dialect.name != "sqlite":
        return None
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    return (driver, conn.dialect) if hasattr(driver, "run") else None


async def run(
    driver: Any, dialect: Dialect, work: Callable[..., dict[Any, Any]], *args: Any
) -> dict[Any, Any]:
    """`work(execute, *args)` on the driver's thread, `execute` running statements there."""

    def on_thread() -> dict[Any, Any]:
        def execute(statement: Any, parameters: dict[str, Any]) -> Sequence[Any]:
            return select_on_thread(driver, dialect, statement, parameters)

        return work(execute, *args)

    found: dict[Any, Any] = await driver.run(on_thread)
    return found


def select_on_thread(
    driver: Any, dialect: Dialect, statement: Any, parameters: dict[str, Any]
) -> Sequence[Any]:
    """One statement's rows as the driver's tuples (call on the driver's thread)."""
    connection: sqlite3.Connection = driver._conn
    sql, values = _compiled(statement, dialect).render(parameters)
    try:
        return connection.execute(sql, values).fetchall()
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, values, error, sqlite3.Error) from error


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as the sqlite3 module runs it: its SQL with each expanding parameter's
    placeholder to fill in, the parameters in order, and a result processor per column."""

    sql: str
    names: tuple[str, ...]
    expanding: frozenset[str]
    defaults: dict[str, Any]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def render(self, parameters: dict[str, Any]) -> tuple[str, list[Any]]:
        sql, values = self.sql, []
        for name in self.names:
            value = parameters[name] if name in parameters else self.defaults[name]
            if name in self.expanding:
                marks = ", ".join("?" * len(value)) if value else "NULL"
                sql = sql.replace(f"__[POSTCOMPILE_{name}]", marks, 1)
                values.extend(value)
            else:
                values.append(value)
        return sql, values


_COMPILED: dict[tuple[int, int], _Compiled] = {}


def _compiled(statement: Any, dialect: Dialect) -> _Compiled:
    key = (id(statement), id(dialect))
    found = _COMPILED.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        found = _COMPILED[key] = _Compiled(
            sql=compiled.string,
            names=tuple(compiled.positiontup or ()),
            expanding=frozenset(p.key for p in compiled.post_compile_params),
            defaults=compiled.construct_params(_check=False),
            processors=tuple(_processor(c.type, dialect) for c in statement.selected_columns),
        )
    return found


def _processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    if isinstance(type_, UTCDateTime) and dialect.name == "sqlite":
        # What UTCDateTime reads back from SQLite's text, without the generic parse.
        return _from_sqlite_time
    processor: Callable[[Any], Any] | None = type_._cached_result_processor(dialect, None)
    return processor


@lru_cache(maxsize=8192)
def _from_sqlite_time(value: str | None) -> datetime | None:
    # Cached: a profile's events and learned interests share few distinct times (a basket's
    # lines, one visit's views), and a datetime is immutable.
    return None if value is None else from_sqlite_time(value)


def converted(
    rows: Mapping[Any, Any], dialect: Dialect, statement_of: Callable[[Any], Any]
) -> dict[Any, Any]:
    """The driver's tuples as SQLAlchemy's rows would hold them, with each statement's own
    result processors (`statement_of` names the statement that read each entry)."""
    converted: dict[Any, Any] = {}
    for name, found in rows.items():
        processors = _compiled(statement_of(name), dialect).processors
        steps = [(i, p) for i, p in enumerate(processors) if p is not None]
        if not steps:
            converted[name] = found
            continue
        done = []
        for row in found:
            values = list(row)
            for i, process in steps:
                values[i] = process(values[i])
            done.append(values)
        converted[name] = done
    return converted
