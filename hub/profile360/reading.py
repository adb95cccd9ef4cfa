"""The profile read's bundle: a profile's identifiers, preferences (with reasons), consents
and recent events, loaded with a few SQLAlchemy Core statements into plain objects.

A request's Profile fields ask for their parts through one DataLoader
(`dataloaders.profile_parts`); the parts asked in the same tick (every sibling field of every
profile in the answer) are loaded together, in one trip through SQLAlchemy's greenlet
(`session.run_sync`), one statement per kind of part: identifiers, stated preferences,
learned interests, the names of what is shown, consents, and each profile's events with their
products' names joined in. No ORM object is built: the ORM's per-row bookkeeping was most of
a profile read's time (docs/performance.md, issue 16). What the parts mean — the reasons, the
strongest learned interests, the consent policy, the summaries — stays with its domain
(`preferences.views`, `privacy.consent`, `events.service.describe`); the rows here are only
read, never written back, so the write path keeps its ORM rows.

Learned interests are ranked in SQL first (each decayed to its profile's newest activity, the
strongest `LEARNED_CANDIDATES` and the newest one kept), and the domain's own
`strongest_learned` ranks those exactly: a long history's other rows are never fetched.

On SQLite the whole bundle is one trip to the driver's thread (`load`): the same statements,
compiled once, run one after another on the sqlite3 connection, their rows converted with
SQLAlchemy's own result processors; every statement through SQLAlchemy was a trip of its own
(~0.4 ms of thread hand-off each on a busy machine) and most of the bundle's Python.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    Dialect,
    Float,
    Select,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from hub.catalog.models import Category, Product
from hub.db import UTCDateTime, from_sqlite_time
from hub.events.models import Event
from hub.identity import search
from hub.identity import service as identity
from hub.identity.models import Identifier
from hub.identity.normalize import IdentifierIn
from hub.preferences import views as preference_views
from hub.preferences.models import Affinity, Preference
from hub.privacy import consent
from hub.privacy.models import Consent
from hub.profiles import service as profiles
from hub.profiles.models import Profile
from hub.weights import Weights

IDENTIFIERS = "identifiers"
PREFERENCES = "preferences"
CONSENTS = "consents"
EVENTS = "events"
# The statements of the preferences part.
STATED = "stated"
LEARNED = "learned"
LABELS = "labels"

# (part, profile id) or, for events, (EVENTS, profile id, how many, types).
PartKey = tuple[Any, ...]

_I = Identifier.__table__.c
_P = Preference.__table__.c
_A = Affinity.__table__.c
_C = Consent.__table__.c
_E = Event.__table__.c
_PRODUCT = Product.__table__.c
_CATEGORY = Category.__table__.c


@dataclass(frozen=True, slots=True)
class IdentifierFacts:
    profile_id: str
    kind: str
    value: str
    touchpoint: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StatedFacts:
    profile_id: str
    key: str
    value: str
    like: bool
    weight: float
    touchpoint: str
    origin: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    profile_id: str
    purpose: str
    granted: bool
    touchpoint: str
    updated_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class EventFacts:
    id: int
    message_id: str
    type: str
    touchpoint: str
    occurred_at: datetime
    product_sku: str | None
    quantity: int | None
    price: Decimal | None
    properties: dict[str, Any]
    product_name: str | None


class LearnedFacts(NamedTuple):
    profile_id: str
    key: str
    value: str
    score: float
    as_of: datetime
    views: int
    carts: int
    purchases: int
    returns: int
    last_touchpoint: str


# Learned interests fetched per profile: the strongest by SQL's own arithmetic, with room to
# spare (a float's last digits may order near-equal ones differently in SQL and in Python),
# and the newest one (the ranking's reference time). `strongest_learned` then ranks them
# exactly as it ranks a whole history: the 15 it shows are always among these.
LEARNED_CANDIDATES = 2 * preference_views.MAX_LEARNED_SHOWN

# (statement, parameters) -> rows: SQLAlchemy's rows, or the driver's plain tuples.
Execute = Callable[[Any, dict[str, Any]], Sequence[Any]]


async def load(
    session: AsyncSession, keys: Sequence[PartKey], weights: Weights, now: datetime
) -> list[Any]:
    """Every part named in `keys`, in their order: on SQLite in one trip to the driver's
    thread, elsewhere in one `run_sync` trip with a statement per kind of part."""
    sqlite = await _sqlite_driver(session)
    if sqlite is not None:
        driver, dialect = sqlite
        half_life = weights.half_life_seconds
        rows = await driver.run(_fetch_on_thread, driver, dialect, list(keys), half_life)
        return _assemble(keys, _converted(rows, dialect), weights, now)
    found: list[Any] = await session.run_sync(load_parts, list(keys), weights, now)
    return found


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    """A profile row as the read found it: what the Profile type and the domains' views read
    of an ORM row (`hub.profiles.models.Profile`), without the ORM's bookkeeping."""

    id: str
    first_name: str | None
    last_name: str | None
    search_name: str | None
    traits: dict[str, Any]
    is_known: bool
    merged_into_id: str | None
    version: int
    erased_at: datetime | None
    created_at: datetime
    updated_at: datetime


async def lookup(
    session: AsyncSession, profile_id: str | None, identifier: IdentifierIn | None, region: str
) -> Any | None:
    """The live profile by id (ORM row) or by identifier (ProfileFacts when it is live; a merged
    or erased one is followed or refused as `identity.search.lookup` does)."""
    if profile_id is not None or identifier is None:
        return await search.lookup(session, profile_id, identifier, region)
    (normal,) = identity.normalize_all([identifier], region, ("identifier",))
    row = await profile_by_identifier(session, normal.kind.value, normal.value)
    if row is not None and (row.merged_into_id or row.erased_at is not None):
        return await profiles.get_live(session, row.id)
    return row


async def profile_by_identifier(session: AsyncSession, kind: str, value: str) -> Any | None:
    """The profile holding this normalised identifier (merged or erased ones too: the caller
    follows or refuses them), as ProfileFacts: one statement, no ORM object."""
    rows = await _select(session, _PROFILE_BY_IDENTIFIER, {"kind": kind, "value": value})
    return ProfileFacts(*rows[0]) if rows else None


async def _select(session: AsyncSession, statement: Any, parameters: dict[str, Any]) -> Any:
    """One statement's rows: on SQLite straight from the driver's thread (one trip, no
    SQLAlchemy execution), elsewhere through the session's connection."""
    sqlite = await _sqlite_driver(session)
    if sqlite is not None:
        driver, dialect = sqlite
        found = await driver.run(_select_on_thread, driver, dialect, statement, parameters)
        return _converted({_ONE: found}, dialect, {_ONE: statement})[_ONE]
    conn = await session.connection()
    return list(await conn.execute(statement, parameters))


async def _sqlite_driver(session: AsyncSession) -> tuple[Any, Any] | None:
    """The session's SQLite driver connection (hub.sqlite_driver.Connection, whose `run` takes
    a function to its thread) and dialect; None on any other store."""
    conn = await session.connection()
    if conn.dialect.name != "sqlite":
        return None
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    return (driver, conn.dialect) if hasattr(driver, "run") else None


_ONE = "one"


def _select_on_thread(
    driver: Any, dialect: Dialect, statement: Any, parameters: dict[str, Any]
) -> Sequence[Any]:
    connection: sqlite3.Connection = driver._conn
    sql, values = _compiled(statement, dialect).render(parameters)
    try:
        return connection.execute(sql, values).fetchall()
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, values, error, sqlite3.Error) from error


def load_parts(
    session: Session, keys: Sequence[PartKey], weights: Weights, now: datetime
) -> list[Any]:
    """Every part named in `keys`, in their order (run with `AsyncSession.run_sync`)."""
    conn = session.connection()

    def execute(query: Any, parameters: dict[str, Any]) -> Sequence[Any]:
        return list(conn.execute(query, parameters))

    return _assemble(keys, _fetch(execute, keys, weights.half_life_seconds), weights, now)


def _wanted(keys: Sequence[PartKey]) -> dict[str, list[str]]:
    wanted: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if key[0] != EVENTS and key[1] not in wanted[key[0]]:
            wanted[key[0]].append(key[1])
    return wanted


def _fetch(execute: Execute, keys: Sequence[PartKey], half_life: float) -> dict[Any, Any]:
    """The rows of every part: by statement name, and by key for events."""
    wanted = _wanted(keys)
    rows: dict[Any, Any] = {}
    if wanted[IDENTIFIERS]:
        rows[IDENTIFIERS] = execute(_IDENTIFIERS, {"ids": wanted[IDENTIFIERS]})
    if wanted[PREFERENCES]:
        ids = wanted[PREFERENCES]
        stated = rows[STATED] = execute(_STATED, {"ids": ids})
        learned = rows[LEARNED] = execute(
            _LEARNED, {"ids": ids, "half_life": half_life, "candidates": LEARNED_CANDIDATES}
        )
        # Names of every candidate (a few more than are shown; only the shown are looked up).
        facets = {(r[1], r[2]) for r in stated} | {(r[1], r[2]) for r in learned}
        skus = sorted({value for key, value in facets if key == "product"})
        slugs = sorted({value for key, value in facets if key == "category"})
        rows[LABELS] = execute(_LABELS, {"skus": skus, "slugs": slugs}) if skus or slugs else []
    if wanted[CONSENTS]:
        rows[CONSENTS] = execute(_CONSENTS, {"ids": wanted[CONSENTS]})
    for key in keys:
        if key[0] == EVENTS and key not in rows:
            _, profile_id, limit, types = key
            parameters: dict[str, Any] = {"profile_id": profile_id, "limit": limit}
            if types:
                parameters["types"] = list(types)
            rows[key] = execute(_EVENTS_OF_TYPES if types else _EVENTS_ALL, parameters)
    return rows


def _assemble(
    keys: Sequence[PartKey], rows: dict[Any, Any], weights: Weights, now: datetime
) -> list[Any]:
    wanted = _wanted(keys)
    found: dict[PartKey, Any] = {}
    if wanted[IDENTIFIERS]:
        grouped: dict[str, list[IdentifierFacts]] = defaultdict(list)
        for row in rows[IDENTIFIERS]:
            grouped[row[0]].append(IdentifierFacts(*row))
        found.update({(IDENTIFIERS, i): grouped.get(i, []) for i in wanted[IDENTIFIERS]})
    if wanted[PREFERENCES]:
        stated = [StatedFacts(*r) for r in rows[STATED]]
        learned = [LearnedFacts(*r) for r in rows[LEARNED]]
        shown = preference_views.strongest_learned(learned, weights)
        labels = {(key, value): name for key, value, name in rows[LABELS]}
        views = preference_views.views_from(stated, shown, labels)
        found.update({(PREFERENCES, i): views.get(i, []) for i in wanted[PREFERENCES]})
    if wanted[CONSENTS]:
        ids = wanted[CONSENTS]
        answers = consent.views_from([ConsentFacts(*r) for r in rows[CONSENTS]], ids, now)
        found.update({(CONSENTS, i): answers[i] for i in ids})
    for key in keys:
        if key[0] == EVENTS and key not in found:
            found[key] = [EventFacts(*r) for r in rows[key]]
    return [found[key] for key in keys]


# ------------------------------------------------ SQLite: the whole bundle in one thread trip


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


def _fetch_on_thread(
    driver: Any, dialect: Dialect, keys: list[PartKey], half_life: float
) -> dict[Any, Any]:
    """On the connection's own thread: every statement of the bundle, as plain tuples."""

    def execute(query: Any, parameters: dict[str, Any]) -> Sequence[Any]:
        return _select_on_thread(driver, dialect, query, parameters)

    return _fetch(execute, keys, half_life)


def _converted(
    rows: dict[Any, Any], dialect: Dialect, statements: dict[str, Any] | None = None
) -> dict[Any, Any]:
    """The driver's tuples as SQLAlchemy's rows would hold them (aware datetimes, booleans,
    decimals, JSON), with the statements' own result processors."""
    converted: dict[Any, Any] = {}
    for name, found in rows.items():
        if isinstance(name, tuple):
            statement = _event_statement(name)
        else:
            statement = (statements or _STATEMENTS)[name]
        processors = _compiled(statement, dialect).processors
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


def _event_statement(key: PartKey) -> Any:
    return _EVENTS_OF_TYPES if key[3] else _EVENTS_ALL


# Built once: a statement object keeps its cache key, so a request neither builds nor keys
# its SQL again (expanding parameters take the id lists).
_IDS: BindParameter[str] = bindparam("ids", expanding=True)
_IDENTIFIERS = (
    select(_I.profile_id, _I.kind, _I.value, _I.touchpoint, _I.created_at)
    .where(_I.profile_id.in_(_IDS))
    .order_by(_I.created_at, _I.id)
)
_STATED = (
    select(
        _P.profile_id,
        _P.key,
        _P.value,
        _P.like,
        _P.weight,
        _P.touchpoint,
        _P.origin,
        _P.updated_at,
    )
    .where(_P.profile_id.in_(_IDS))
    .order_by(_P.updated_at.desc(), _P.id.desc())
)


class _SecondsBetween(FunctionElement[float]):
    """`later - earlier` in seconds, for two UTCDateTime columns."""

    type = Float()
    inherit_cache = True


@compiles(_SecondsBetween)
def _seconds_between(element: _SecondsBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later}) - ({earlier}))"


@compiles(_SecondsBetween, "sqlite")
def _seconds_between_sqlite(element: _SecondsBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({later}) - julianday({earlier})) * 86400.0"


def _learned_candidates() -> Select[Any]:
    """Per profile, its LEARNED_CANDIDATES strongest learned interests as SQL ranks them
    (|score| decayed to the profile's newest `as_of`, ties by key and value) and its newest
    one, in key and value order (the order `strongest_learned` keeps among equals)."""
    columns = [
        _A.profile_id,
        _A.key,
        _A.value,
        _A.score,
        _A.as_of,
        _A.views,
        _A.carts,
        _A.purchases,
        _A.returns,
        _A.last_touchpoint,
    ]
    mine = (
        select(
            *columns,
            func.max(_A.as_of).over(partition_by=_A.profile_id).label("newest"),
            func.row_number()
            .over(partition_by=_A.profile_id, order_by=(_A.as_of.desc(), _A.id.desc()))
            .label("recency"),
        )
        .where(_A.profile_id.in_(_IDS))
        .subquery("mine")
    )
    c = mine.c
    decay = func.power(
        literal(2.0, Float()),
        -_SecondsBetween(c.newest, c.as_of) / bindparam("half_life", type_=Float()),
    )
    ranked = select(
        *(c[column.name] for column in columns),
        c.recency,
        func.row_number()
        .over(
            partition_by=c.profile_id,
            order_by=((func.abs(c.score) * decay).desc(), c.key, c.value),
        )
        .label("strength_rank"),
    ).subquery("ranked")
    r = ranked.c
    return (
        select(*(r[column.name] for column in columns))
        .where(or_(r.strength_rank <= bindparam("candidates"), r.recency == 1))
        .order_by(r.profile_id, r.key, r.value)
    )


_LEARNED = _learned_candidates()
_LABELS = union_all(
    select(literal("product"), _PRODUCT.sku, _PRODUCT.name).where(
        _PRODUCT.sku.in_(bindparam("skus", expanding=True))
    ),
    select(literal("category"), _CATEGORY.slug, _CATEGORY.name).where(
        _CATEGORY.slug.in_(bindparam("slugs", expanding=True))
    ),
)
_CONSENTS = (
    select(_C.profile_id, _C.purpose, _C.granted, _C.touchpoint, _C.updated_at, _C.expires_at)
    .where(_C.profile_id.in_(_IDS))
    .order_by(_C.purpose)
)
_EVENTS_ALL = (
    select(
        _E.id,
        _E.message_id,
        _E.type,
        _E.touchpoint,
        _E.occurred_at,
        _E.product_sku,
        _E.quantity,
        _E.price,
        _E.properties,
        _PRODUCT.name,
    )
    .select_from(Event.__table__.outerjoin(Product.__table__, _PRODUCT.sku == _E.product_sku))
    .where(_E.profile_id == bindparam("profile_id"))
    .order_by(_E.occurred_at.desc(), _E.id.desc())
    .limit(bindparam("limit"))
)
_EVENTS_OF_TYPES = _EVENTS_ALL.where(_E.type.in_(bindparam("types", expanding=True)))
_PROFILE_BY_IDENTIFIER = (
    select(*(Profile.__table__.c[f.name] for f in fields(ProfileFacts)))
    .join(Identifier.__table__, _I.profile_id == Profile.__table__.c.id)
    .where(_I.kind == bindparam("kind"), _I.value == bindparam("value"))
)
_STATEMENTS = {
    IDENTIFIERS: _IDENTIFIERS,
    STATED: _STATED,
    LEARNED: _LEARNED,
    LABELS: _LABELS,
    CONSENTS: _CONSENTS,
}
