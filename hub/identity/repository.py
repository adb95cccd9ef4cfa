"""All SQL about identifiers, the merge journal and identity conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import reads
from hub.db import insert_tuples
from hub.identity.models import Identifier, IdentityConflict, Merge
from hub.profiles.models import Profile

_CHUNK = 400
_VALUES_CHUNK = 2000


async def find(session: AsyncSession, pairs: Iterable[tuple[str, str]]) -> list[Identifier]:
    wanted = list(dict.fromkeys(pairs))
    found: list[Identifier] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = await session.scalars(
            select(Identifier)
            .where(tuple_(Identifier.kind, Identifier.value).in_(chunk))
            .execution_options(populate_existing=True)
        )
        found.extend(rows)
    return found


async def owners_of(
    session: AsyncSession, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, int]]:
    """(kind, value) → (profile id, identifier id) of those held, as plain rows: one IN list
    of values per kind, which both stores answer from the unique index on (kind, value)
    (SQLite scans the table for a row-value `(kind, value) IN (…)` list)."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in dict.fromkeys(pairs):
        by_kind.setdefault(kind, []).append(value)
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for kind, values in by_kind.items():
        for statement, parameters in reads.chunked(
            session, _owners, "values", values, _VALUES_CHUNK, kind=kind
        ):
            rows = await session.execute(statement, parameters)
            found.update({(kind, v): (pid, iid) for v, pid, iid in rows})
    return found


@cache
def _owners(dialect: str) -> Any:
    table = cast(Table, Identifier.__table__)
    return reads.each_of(
        dialect,
        (table.c.value, table.c.profile_id, table.c.id),
        (table.c.kind == bindparam("kind", type_=table.c.kind.type),),
        table.c.value,
        "values",
    )


async def for_profiles(session: AsyncSession, profile_ids: Sequence[str]) -> list[Identifier]:
    rows = await session.scalars(
        select(Identifier)
        .where(Identifier.profile_id.in_(profile_ids))
        .order_by(Identifier.created_at, Identifier.id)
    )
    return list(rows)


async def move_all(session: AsyncSession, from_profile: str, to_profile: str) -> list[int]:
    rows = await session.scalars(
        update(Identifier)
        .where(Identifier.profile_id == from_profile)
        .values(profile_id=to_profile)
        .returning(Identifier.id)
    )
    return list(rows)


async def add(session: AsyncSession, identifier: Identifier) -> Identifier:
    session.add(identifier)
    await session.flush()
    return identifier


# What `insert_rows` takes a value of for each new identifier, in this order.
IDENTIFIER_COLUMNS = ("profile_id", "kind", "value", "touchpoint", "created_at", "verified_at")


async def insert_rows(session: AsyncSession, rows: Sequence[Sequence[Any]]) -> list[int] | None:
    """Many new identifiers in one statement (Core: no ORM objects; COPY on PostgreSQL), a
    value for each of IDENTIFIER_COLUMNS a row (verified_at may be None); their ids in the
    rows' order, given to them before the insert (`_new_ids`), or None on a store where the
    caller reads them back (`owners_of`)."""
    ids = await _new_ids(session, len(rows))
    if ids is None:
        await insert_tuples(session, Identifier.__table__, IDENTIFIER_COLUMNS, rows)
        return None
    with_ids = [(id_, *row) for id_, row in zip(ids, rows, strict=True)]
    await insert_tuples(session, Identifier.__table__, ("id", *IDENTIFIER_COLUMNS), with_ids)
    return ids


_DRAW_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('identifiers', 'id')) FROM generate_series(1, :n)"
)


async def _new_ids(session: AsyncSession, count: int) -> list[int] | None:
    """`count` unused identifier ids: PostgreSQL's sequence, drawn for them all in one
    statement; on SQLite the ones after the largest, which SQLite itself would give them —
    only while this transaction holds the write lock (it has written: the new profiles), so
    that no other writer can take them before the insert. None on other stores."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        drawn = await session.execute(_DRAW_IDS, {"n": count})
        return [int(id_) for (id_,) in drawn]
    if dialect == "sqlite" and session.in_transaction():
        top = await session.scalar(select(func.max(Identifier.id)))
        start = (top or 0) + 1
        return list(range(start, start + count))
    return None


async def add_merge(session: AsyncSession, merge: Merge) -> Merge:
    session.add(merge)
    await session.flush()
    return merge


async def merges_for(session: AsyncSession, profile_id: str) -> list[Merge]:
    rows = await session.scalars(
        select(Merge).where(Merge.survivor_id == profile_id).order_by(Merge.created_at.desc())
    )
    return list(rows)


async def add_conflict(session: AsyncSession, conflict: IdentityConflict) -> IdentityConflict:
    session.add(conflict)
    await session.flush()
    return conflict


async def open_conflicts(session: AsyncSession, limit: int) -> list[IdentityConflict]:
    rows = await session.scalars(
        select(IdentityConflict)
        .where(IdentityConflict.status == "OPEN")
        .order_by(IdentityConflict.created_at.desc())
        .limit(limit)
    )
    return list(rows)


async def remove(session: AsyncSession, identifier: Identifier) -> None:
    """Delete an identifier (rows pointing at it let go first: `hub.lifecycle` unlink)."""
    await session.delete(identifier)
    await session.flush()


async def profile_by_identifier(session: AsyncSession, kind: str, value: str) -> Profile | None:
    """The profile holding this normalised identifier, in one statement (merged or erased
    ones too: the caller follows or refuses them)."""
    found: Profile | None = await session.scalar(_BY_IDENTIFIER, {"kind": kind, "value": value})
    return found


# Built once: the statement keeps its cache key (a profile read looks a customer up each time).
_BY_IDENTIFIER = (
    select(Profile)
    .join(Identifier, Identifier.profile_id == Profile.id)
    .where(Identifier.kind == bindparam("kind"), Identifier.value == bindparam("value"))
)
