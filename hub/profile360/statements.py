"""The profile read's statements, SQLAlchemy Core, built once at import: a statement object
keeps its cache key, so a request neither builds nor keys its SQL again (expanding parameters
take the id lists). `STATEMENTS` names each by the part it reads; `event_statement` picks the
events statement for an events key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Float,
    Select,
    Text,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    union,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hub import reads
from hub.catalog import names
from hub.catalog.models import Category, Product
from hub.events import partitions
from hub.events.models import Event
from hub.identity.models import Identifier
from hub.preferences import views as preference_views
from hub.preferences.facts import learned_columns, stated_columns
from hub.preferences.models import Affinity, Preference
from hub.privacy.models import Consent
from hub.profile360.facts import (
    CONSENTS,
    IDENTIFIERS,
    LABELS,
    LEARNED,
    LEARNED_OF_ONE,
    PREFERENCES,
    STATED,
    PartKey,
    ProfileFacts,
)
from hub.profiles.models import Profile

_I = Identifier.__table__.c
_P = Preference.__table__.c
_A = Affinity.__table__.c
_C = Consent.__table__.c
_E = Event.__table__.c
_PRODUCT = Product.__table__.c
_CATEGORY = Category.__table__.c

# Learned interests fetched per profile: the strongest by SQL's own arithmetic, with room to
# spare (a float's last digits may order near-equal ones differently in SQL and in Python),
# and the newest one (the ranking's reference time). `strongest_learned` then ranks them
# exactly as it ranks a whole history: the 15 it shows are always among these.
LEARNED_CANDIDATES = 2 * preference_views.MAX_LEARNED_SHOWN


def event_statement(key: PartKey) -> Any:
    return EVENTS_OF_TYPES if key[3] else EVENTS_ALL


_IDS: BindParameter[str] = bindparam("ids", expanding=True)

# Which profiles a part is read for: `column IN (:ids)` for the statements of a batch of
# profiles, `column = found.id` inside the one-statement bundle (`bundle`).
_Who = Callable[[Any], Any]


def _among_ids(column: Any) -> Any:
    return column.in_(_IDS)


def _the_profile(column: Any) -> Any:
    """`column = :profile_id`: the statements for one profile."""
    return column == bindparam("profile_id")


def _identifiers(who: _Who) -> Select[Any]:
    return (
        select(_I.profile_id, _I.kind, _I.value, _I.touchpoint, _I.created_at)
        .where(who(_I.profile_id))
        .order_by(_I.created_at, _I.id)
    )


def _stated(who: _Who) -> Select[Any]:
    return (
        select(*stated_columns())
        .where(who(_P.profile_id))
        .order_by(_P.updated_at.desc(), _P.id.desc())
    )


IDENTIFIERS_SQL = _identifiers(_among_ids)
STATED_SQL = _stated(_among_ids)


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


def _learned_candidates(who: _Who) -> Select[Any]:
    """Per profile, its LEARNED_CANDIDATES strongest learned interests as SQL ranks them
    (|score| decayed to the profile's newest `as_of`, ties by key and value) and its newest
    one, in key and value order (the order `strongest_learned` keeps among equals)."""
    columns = learned_columns()
    mine = (
        select(
            *columns,
            func.max(_A.as_of).over(partition_by=_A.profile_id).label("newest"),
            func.row_number()
            .over(partition_by=_A.profile_id, order_by=(_A.as_of.desc(), _A.key, _A.value))
            .label("recency"),
        )
        .where(who(_A.profile_id))
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


def _learned_candidates_of_one() -> Select[Any]:
    """The same candidates as `_learned_candidates` for one profile (`:profile_id`), without
    window functions: its newest `as_of` as a scalar subquery, the strongest by ORDER BY …
    LIMIT, the newest by ORDER BY … LIMIT 1 (the same decay expression, so the same floats).
    On SQLite this is ~3.5× faster than the windows for a profile of ~100 interests."""
    columns = learned_columns()
    others = Affinity.__table__.alias("newest_of")  # not correlated with the rows it ranks
    newest = (
        select(func.max(others.c.as_of)).where(_the_profile(others.c.profile_id)).scalar_subquery()
    )
    decay = func.power(
        literal(2.0, Float()),
        -_SecondsBetween(newest, _A.as_of) / bindparam("half_life", type_=Float()),
    )
    mine = _the_profile(_A.profile_id)
    strongest = (
        select(*columns)
        .where(mine)
        .order_by((func.abs(_A.score) * decay).desc(), _A.key, _A.value)
        .limit(bindparam("candidates"))
        .subquery("strongest")
    )
    latest = (
        select(*columns)
        .where(mine)
        .order_by(_A.as_of.desc(), _A.key, _A.value)
        .limit(1)
        .subquery("latest")
    )
    both = union(select(*strongest.c), select(*latest.c)).subquery("candidates")
    return select(*both.c).order_by(both.c.profile_id, both.c.key, both.c.value)


def _labels(skus: Any, slugs: Any) -> Any:
    return union_all(
        select(literal("product"), _PRODUCT.sku, _PRODUCT.name).where(_PRODUCT.sku.in_(skus)),
        select(literal("category"), _CATEGORY.slug, _CATEGORY.name).where(
            _CATEGORY.slug.in_(slugs)
        ),
    )


def _consents(who: _Who) -> Select[Any]:
    return (
        select(_C.profile_id, _C.purpose, _C.granted, _C.touchpoint, _C.updated_at, _C.expires_at)
        .where(who(_C.profile_id))
        .order_by(_C.purpose)
    )


# PostgreSQL: how many of a profile's events each month holds (kept by triggers on `events`,
# migration e5b7d3a1c9f4), so that a read of its newest events names only the months they
# need and the other month partitions are pruned.
_MONTHS = table(partitions.MONTHS, column("profile_id"), column("month"), column("events"))


def _events_window(profile_id: Any, limit: Any, name: str) -> tuple[Any, Any]:
    """[from, until) of the months the profile's newest `limit` events need: from the start of
    the oldest of the newest months that, in turn, hold `limit` events ('-infinity' when all of
    them hold fewer, or there are none: nothing is left out) until the end of its newest month
    ('infinity' when it has none). PostgreSQL then reads only the partitions in between. Both
    bounds come from one CTE (`name`), so the month list is read once."""
    m = _MONTHS.c
    newest_first = (
        select(m.month, m.events, func.sum(m.events).over(order_by=m.month.desc()).label("upto"))
        .where(m.profile_id == profile_id)
        .subquery("months")
    )
    c = newest_first.c
    since = case(
        (func.max(c.upto) >= limit, func.min(c.month).filter(c.upto - c.events < limit)),
        else_=literal_column("'-infinity'::timestamptz"),
    )
    until = func.coalesce(
        func.max(c.month) + literal_column("interval '1 month'"),
        literal_column("'infinity'::timestamptz"),
    )
    window = select(since.label("since"), until.label("until")).select_from(newest_first).cte(name)
    return (
        select(window.c.since).scalar_subquery(),
        select(window.c.until).scalar_subquery(),
    )


def _events(
    who: _Who, limit: Any, types: Any | None, window: tuple[Any, Any] | None = None
) -> Select[Any]:
    statement = (
        select(
            _E.id,
            _E.message_id,
            _E.type,
            _E.touchpoint,
            _E.occurred_at,
            _E.product_sku,
            _E.quantity,
            _E.price,
            cast(_E.properties, Text).label("properties_json"),  # decoded when asked for
            _PRODUCT.name,
        )
        .select_from(Event.__table__.outerjoin(Product.__table__, _PRODUCT.sku == _E.product_sku))
        .where(who(_E.profile_id))
        .order_by(_E.occurred_at.desc(), _E.id.desc())
        .limit(limit)
    )
    if window is not None:
        statement = statement.where(_E.occurred_at >= window[0], _E.occurred_at < window[1])
    return statement if types is None else statement.where(_E.type.in_(types))


LEARNED_SQL = _learned_candidates(_among_ids)
LEARNED_OF_ONE_SQL = _learned_candidates_of_one()
LABELS_SQL = _labels(bindparam("skus", expanding=True), bindparam("slugs", expanding=True))
CONSENTS_SQL = _consents(_among_ids)
EVENTS_ALL = _events(_the_profile, bindparam("limit"), None)
EVENTS_OF_TYPES = _events(
    _the_profile,
    bindparam("limit"),
    bindparam("types", expanding=True),
)
PROFILE_BY_IDENTIFIER = (
    select(*(Profile.__table__.c[f.name] for f in fields(ProfileFacts)))
    .join(Identifier.__table__, _I.profile_id == Profile.__table__.c.id)
    .where(_I.kind == bindparam("kind"), _I.value == bindparam("value"))
)
STATEMENTS = {
    IDENTIFIERS: IDENTIFIERS_SQL,
    STATED: STATED_SQL,
    LEARNED: LEARNED_SQL,
    LEARNED_OF_ONE: LEARNED_OF_ONE_SQL,
    LABELS: LABELS_SQL,
    CONSENTS: CONSENTS_SQL,
}


# The one-statement bundle (PostgreSQL): the lookup and, beside the profile's own columns,
# every part asked for in one JSON text, `json_build_array(<part>, …)`, each part the array of
# its rows, `array_to_json(ARRAY(SELECT json_build_array(…) … ORDER BY …))`. PostgreSQL builds
# the text and the stdlib's C parser reads it (`reads.from_json` gives each value its column's
# type back): asyncpg decoding the same rows as arrays of anonymous records looked up a codec
# for every field, ~0.6 µs a value, a quarter of a read's CPU in the hub (docs/performance.md,
# issue 16 goal 2). Exact numerics travel as text (`reads.json_column`). The shape: the part
# names in the order asked, an events part as (EVENTS, its position, with a type filter or not,
# its page size); an events part's types are the parameter `types_<position>`. The page size
# is written into the SQL: with it a parameter, PostgreSQL's plan cache could find the generic
# plan of the bounded events read dearer than a custom one and plan the statement again for
# every read (~1 ms; seen on a freshly seeded store).
BundleShape = tuple[Any, ...]


def _rows(statement: Any) -> Any:
    """`array_to_json(ARRAY(SELECT json_build_array(<the statement's columns>) …))`, in the
    statement's order (a UNION's rows, in no order); exact numerics as their text."""
    if isinstance(statement, Select):
        columns = statement.selected_columns
        rows = statement.with_only_columns(func.json_build_array(*map(reads.json_column, columns)))
    else:
        union_rows = statement.subquery()
        rows = select(func.json_build_array(*map(reads.json_column, union_rows.c)))
    return func.array_to_json(func.array(rows.scalar_subquery()))


@cache  # few shapes (reading._bundled); each statement lives on, as `reads` caches by it
def bundle(shape: BundleShape) -> Select[Any]:
    """The lookup by `kind` and `value` with the parts of `shape`, as one statement; its
    columns are the lookup's, then the parts as one JSON array of arrays of rows (the
    preferences part: two, stated and learned) in the order of `bundle_parts(shape)`, then,
    when the preferences are asked for, the catalogue's version (their labels come from
    `hub.catalog.names`)."""
    found = PROFILE_BY_IDENTIFIER.cte("found")

    def mine(column: Any) -> Any:
        return column == found.c.id

    parts: list[Any] = []
    for part in shape:
        if part == IDENTIFIERS:
            parts.append(_rows(_identifiers(mine)))
        elif part == CONSENTS:
            parts.append(_rows(_consents(mine)))
        elif part == PREFERENCES:
            learned = _learned_candidates(mine).cte("learned")
            parts.append(_rows(_stated(mine)))
            parts.append(
                _rows(
                    select(*learned.c).order_by(
                        learned.c.profile_id, learned.c.key, learned.c.value
                    )
                )
            )
        else:
            _, position, typed, size = part
            types: Any = bindparam(f"types_{position}", expanding=True) if typed else None
            limit: Any = literal_column(str(int(size)))
            window = None if typed else _events_window(found.c.id, limit, f"window_{position}")
            parts.append(_rows(_events(mine, limit, types, window)))
    bundled = cast(func.json_build_array(*parts), Text).label("parts")
    if PREFERENCES in shape:  # their labels: from the names kept at this version (names.as_of)
        version = names.VERSION.scalar_subquery().label("catalog_version")
        return select(*found.c, bundled, version)
    return select(*found.c, bundled)


def bundle_parts(shape: BundleShape) -> list[tuple[Any, Any]]:
    """(name, statement) of each part in `bundle(shape)`'s JSON array, in order: the name a
    part's rows go by (as `reading._fetch` names them) and the statement whose columns they
    have."""
    named: list[tuple[Any, Any]] = []
    for part in shape:
        if part == PREFERENCES:
            named += [(STATED, STATED_SQL), (LEARNED, LEARNED_SQL)]
        elif part in (IDENTIFIERS, CONSENTS):
            named.append((part, STATEMENTS[part]))
        else:
            named.append((part, EVENTS_OF_TYPES if part[2] else EVENTS_ALL))
    return named
