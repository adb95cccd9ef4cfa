"""All SQL about explicit preferences and learned affinities."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    func,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from hub import reads
from hub.db import (
    from_sqlite_time,
    in_list,
    insert_tuples,
    is_sqlite,
    remembered,
    sqlite_times,
)
from hub.preferences.facts import learned_columns, stated_columns
from hub.preferences.learning import Interest
from hub.preferences.models import Affinity, ForgottenInterest, Preference
from hub.reads import Read

_CHUNK = 300


async def explicit_for(session: AsyncSession, profile_ids: Sequence[str]) -> list[Preference]:
    async def load() -> list[Preference]:
        rows = await session.scalars(
            select(Preference)
            .where(Preference.profile_id.in_(profile_ids))
            .order_by(Preference.updated_at.desc(), Preference.id.desc())
        )
        return list(rows)

    return list(await remembered(session, ("explicit", tuple(profile_ids)), load))


# A shopper's learned interests and stated preferences as plain rows (the recommender's read):
# the columns of preferences.facts.LearnedFacts and StatedFacts, no ORM objects built.
_LEARNED_OF = select(*learned_columns()).where(
    Affinity.__table__.c.profile_id == bindparam("profile_id")
)
_STATED_OF = (
    select(*stated_columns())
    .where(Preference.__table__.c.profile_id == bindparam("profile_id"))
    .order_by(Preference.__table__.c.updated_at.desc(), Preference.__table__.c.id.desc())
)


def interests_read(profile_id: str) -> Read[tuple[list[Any], list[Any]]]:
    """(learned, stated) rows of one profile, as a read to gather with others."""
    parameters = {"profile_id": profile_id}
    return Read(
        ((_LEARNED_OF, parameters), (_STATED_OF, parameters)),
        lambda rows: (list(rows[0]), list(rows[1])),
    )


async def explicit_one(
    session: AsyncSession, profile_id: str, key: str, value: str
) -> Preference | None:
    return await session.scalar(
        select(Preference).where(
            Preference.profile_id == profile_id, Preference.key == key, Preference.value == value
        )
    )


async def explicit_of_key(session: AsyncSession, profile_id: str, key: str) -> list[Preference]:
    rows = await session.scalars(
        select(Preference).where(Preference.profile_id == profile_id, Preference.key == key)
    )
    return list(rows)


async def affinities_for(session: AsyncSession, profile_ids: Sequence[str]) -> list[Affinity]:
    async def load() -> list[Affinity]:
        rows = await session.scalars(select(Affinity).where(Affinity.profile_id.in_(profile_ids)))
        return list(rows)

    return list(await remembered(session, ("affinities", tuple(profile_ids)), load))


async def affinities_matching(
    session: AsyncSession, triples: Iterable[tuple[str, str, str]]
) -> list[Affinity]:
    """The learned interests with these (profile, key, value), in chunks.

    Asked as three IN lists, which both stores answer from the primary key (profile_id,
    key, value), then narrowed to the exact triples here: SQLite does not use that index for a
    row-value `(a, b, c) IN (…)` list and scans the whole table (~150 ms a chunk at 415k rows).
    """
    wanted = list(dict.fromkeys(triples))
    found: list[Affinity] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        exact = set(chunk)
        rows = await session.scalars(
            select(Affinity).where(
                Affinity.profile_id.in_(sorted({p for p, _, _ in chunk})),
                Affinity.key.in_(sorted({k for _, k, _ in chunk})),
                Affinity.value.in_(sorted({v for _, _, v in chunk})),
            )
        )
        found.extend(a for a in rows if (a.profile_id, a.key, a.value) in exact)
    return found


# What learning changes on an interest; with its key, what a new interest is made of.
LEARNED_COLUMNS = (
    "score",
    "as_of",
    "views",
    "carts",
    "purchases",
    "returns",
    "last_touchpoint",
    "updated_at",
)
_AFFINITY_COLUMNS = ("profile_id", "key", "value", *LEARNED_COLUMNS)
_UPDATE_KEYS = ("p", "k", "v", *(f"new_{c}" for c in LEARNED_COLUMNS))


_UPDATE_FROM_ARRAYS = text(
    "UPDATE affinities SET score = v.score, as_of = v.as_of, views = v.views, "
    "carts = v.carts, purchases = v.purchases, returns = v.returns, "
    "last_touchpoint = v.last_touchpoint, updated_at = v.updated_at "
    "FROM unnest(:p, :k, :v, :new_score, :new_as_of, :new_views, :new_carts, :new_purchases, "
    ":new_returns, :new_last_touchpoint, :new_updated_at) "
    "AS v(profile_id, key, value, score, as_of, views, carts, purchases, returns, "
    "last_touchpoint, updated_at) "
    "WHERE affinities.profile_id = v.profile_id AND affinities.key = v.key "
    "AND affinities.value = v.value"
).bindparams(
    *(bindparam(name, type_=ARRAY(String())) for name in ("p", "k", "v")),
    bindparam("new_score", type_=ARRAY(Float())),
    bindparam("new_as_of", type_=ARRAY(DateTime(timezone=True))),
    *(
        bindparam(f"new_{c}", type_=ARRAY(Integer()))
        for c in ("views", "carts", "purchases", "returns")
    ),
    bindparam("new_last_touchpoint", type_=ARRAY(String())),
    bindparam("new_updated_at", type_=ARRAY(DateTime(timezone=True))),
)


def mark_learned(affinities: Iterable[Affinity]) -> None:
    """Mark every learned column changed, so that the next flush writes all these interests in
    one UPDATE: the unit of work batches rows only when the same columns changed, and a view
    and a purchase change different counters."""
    for affinity in affinities:
        for column in LEARNED_COLUMNS:
            flag_modified(affinity, column)


async def insert_affinities(session: AsyncSession, created: Iterable[Interest]) -> int:
    """New learned interests in one statement, `insert_tuples` (no ORM objects: a unit-of-work
    flush of thousands of rows costs a round trip each)."""
    rows = [tuple(getattr(a, c) for c in _AFFINITY_COLUMNS) for a in created]
    await insert_tuples(session, _AFFINITIES, _AFFINITY_COLUMNS, rows)
    return len(rows)


# A learned interest as batch learning reads and writes it, a value for each of
# _AFFINITY_COLUMNS: profile id, key, value, score, as_of, views, carts, purchases, returns,
# last touchpoint, updated at.
LearnedRow = tuple[str, str, str, float, datetime, int, int, int, int, str | None, datetime | None]
_AFFINITIES = cast(Table, Affinity.__table__)
_STATE_CHUNK = 3000  # triples a statement: 9,000 parameters, within both stores' limits


async def learned_rows(
    session: AsyncSession, triples: Sequence[tuple[str, str, str]]
) -> list[LearnedRow]:
    """The learned interests with exactly these (profile, key, value), as plain tuples, each
    found through the primary key: on SQLite the triples are a VALUES list joined to the table
    (driver SQL: SQLAlchemy's own VALUES construct costs ~50 µs a row to compile), on
    PostgreSQL three arrays unnested."""
    found: list[LearnedRow] = []
    table = _AFFINITIES
    for start in range(0, len(triples), _STATE_CHUNK):
        chunk = triples[start : start + _STATE_CHUNK]
        if is_sqlite(session):
            connection = await session.connection()
            result = await connection.exec_driver_sql(
                f"WITH w(p, k, v) AS (VALUES {', '.join(['(?, ?, ?)'] * len(chunk))}) "
                f"SELECT {', '.join('a.' + c for c in _AFFINITY_COLUMNS)} "
                "FROM w JOIN affinities a ON a.profile_id = w.p AND a.key = w.k "
                "AND a.value = w.v",
                tuple(x for triple in chunk for x in triple),
            )
            found.extend(
                (p, k, v, sc, from_sqlite_time(at), vw, ct, pu, rt, tp, from_sqlite_time(up))
                for p, k, v, sc, at, vw, ct, pu, rt, tp, up in cast(list[Any], result.all())
            )
            continue
        arrays = [
            bindparam(name, [t[n] for t in chunk], type_=ARRAY(String))
            for n, name in enumerate(("p", "k", "v"))
        ]
        rows = await session.execute(
            select(*(table.c[c] for c in _AFFINITY_COLUMNS)).where(
                tuple_(table.c.profile_id, table.c.key, table.c.value).in_(
                    select(func.unnest(arrays[0]), func.unnest(arrays[1]), func.unnest(arrays[2]))
                )
            )
        )
        found.extend(cast(list[LearnedRow], rows.all()))
    return found


async def write_learned(
    session: AsyncSession, changed: Sequence[LearnedRow], created: Sequence[LearnedRow]
) -> None:
    """Learned interests written back: `changed` (stored ones) updated by their key — on SQLite
    one executemany straight to the driver, on PostgreSQL one UPDATE from unnested arrays — and
    `created` (new ones) inserted with `insert_tuples` (COPY on PostgreSQL, one executemany on
    SQLite)."""
    table = _AFFINITIES
    if changed and is_sqlite(session):
        connection = await session.connection()
        sqlite_time = sqlite_times()  # every row shares its updated_at, many their as_of
        await connection.exec_driver_sql(
            "UPDATE affinities SET score = ?, as_of = ?, views = ?, carts = ?, "
            "purchases = ?, returns = ?, last_touchpoint = ?, updated_at = ? "
            "WHERE profile_id = ? AND key = ? AND value = ?",
            [
                (sc, sqlite_time(at), vw, ct, pu, rt, tp, sqlite_time(up), p, k, v)  # type: ignore[arg-type]
                for p, k, v, sc, at, vw, ct, pu, rt, tp, up in changed
            ],
        )
    elif changed:
        # One statement over unnested arrays, not an executemany of one UPDATE a row: the
        # server plans and runs it once (2,500 interests of a `track` batch: 48 -> 29 ms).
        columns = list(zip(*changed, strict=True))
        await session.execute(_UPDATE_FROM_ARRAYS, dict(zip(_UPDATE_KEYS, columns, strict=True)))
    if created:
        await insert_tuples(session, table, _AFFINITY_COLUMNS, created)


async def delete_explicit(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(delete(Preference).where(Preference.id.in_(ids)))


async def delete_affinities(
    session: AsyncSession, profile_id: str, facets: Sequence[tuple[str, str]]
) -> None:
    """A profile's learned interests with these (key, value), by their primary key."""
    if facets:
        await session.execute(
            delete(Affinity)
            .where(
                Affinity.profile_id == profile_id,
                tuple_(Affinity.key, Affinity.value).in_(list(facets)),
            )
            .execution_options(synchronize_session="fetch")
        )


async def delete_all_affinities(session: AsyncSession, profile_id: str) -> None:
    await session.execute(delete(Affinity).where(Affinity.profile_id == profile_id))


async def move_explicit(session: AsyncSession, ids: Sequence[int], to_profile: str) -> None:
    if ids:
        await session.execute(
            update(Preference).where(Preference.id.in_(ids)).values(profile_id=to_profile)
        )


async def move_affinities(session: AsyncSession, from_profile: str, to_profile: str) -> None:
    """Every learned interest `from_profile` still has, given to `to_profile` (which must not
    have the same key and value: the caller combined and deleted those first)."""
    await session.execute(
        update(Affinity)
        .where(Affinity.profile_id == from_profile)
        .values(profile_id=to_profile)
        .execution_options(synchronize_session=False)
    )


async def forgotten_for(
    session: AsyncSession, profile_ids: Sequence[str]
) -> list[ForgottenInterest]:
    if not profile_ids:
        return []
    rows = await session.scalars(
        select(ForgottenInterest).where(ForgottenInterest.profile_id.in_(list(profile_ids)))
    )
    return list(rows)


def forgotten_markers(
    session: AsyncSession, profile_ids: Sequence[str]
) -> Read[dict[tuple[str, str, str], datetime]]:
    """(profile, key, value) → when it was forgotten, for these profiles: what `forgotten_for`
    finds, as a read to gather with a write's others (a statement compiled once)."""
    statements = reads.chunked(session, _forgotten, "ids", list(profile_ids))
    return Read(
        statements,
        lambda rows: {(pid, key, value): at for part in rows for pid, key, value, at in part},
    )


@cache
def _forgotten(dialect: str) -> Any:
    table = ForgottenInterest.__table__
    return select(table.c.profile_id, table.c.key, table.c.value, table.c.forgotten_at).where(
        in_list(table.c.profile_id, "ids", dialect)
    )


async def forgotten_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[ForgottenInterest]:
    if not ids:
        return []
    rows = await session.scalars(select(ForgottenInterest).where(ForgottenInterest.id.in_(ids)))
    return list(rows)


async def affinities_on(
    session: AsyncSession, profile_ids: Sequence[str], facets: Sequence[tuple[str, str]]
) -> list[Affinity]:
    if not facets or not profile_ids:
        return []
    rows = await session.scalars(
        select(Affinity).where(
            Affinity.profile_id.in_(profile_ids),
            tuple_(Affinity.key, Affinity.value).in_(list(facets)),
        )
    )
    return list(rows)


async def newest_activity(session: AsyncSession, profile_ids: Sequence[str]) -> dict[str, datetime]:
    rows = await session.execute(
        select(Affinity.profile_id, func.max(Affinity.as_of))
        .where(Affinity.profile_id.in_(profile_ids))
        .group_by(Affinity.profile_id)
    )
    return {profile_id: newest for profile_id, newest in rows if newest is not None}
