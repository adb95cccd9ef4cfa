"""The profile read's statements, SQLAlchemy Core, built once at import: a statement object
keeps its cache key, so a request neither builds nor keys its SQL again (expanding parameters
take the id lists). `STATEMENTS` names each by the part it reads; `event_statement` picks the
events statement for an events key."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import (
    BindParameter,
    Float,
    Select,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hub.catalog.models import Category, Product
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
IDENTIFIERS_SQL = (
    select(_I.profile_id, _I.kind, _I.value, _I.touchpoint, _I.created_at)
    .where(_I.profile_id.in_(_IDS))
    .order_by(_I.created_at, _I.id)
)
STATED_SQL = (
    select(*stated_columns())
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
    columns = learned_columns()
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


LEARNED_SQL = _learned_candidates()
LABELS_SQL = union_all(
    select(literal("product"), _PRODUCT.sku, _PRODUCT.name).where(
        _PRODUCT.sku.in_(bindparam("skus", expanding=True))
    ),
    select(literal("category"), _CATEGORY.slug, _CATEGORY.name).where(
        _CATEGORY.slug.in_(bindparam("slugs", expanding=True))
    ),
)
CONSENTS_SQL = (
    select(_C.profile_id, _C.purpose, _C.granted, _C.touchpoint, _C.updated_at, _C.expires_at)
    .where(_C.profile_id.in_(_IDS))
    .order_by(_C.purpose)
)
EVENTS_ALL = (
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
EVENTS_OF_TYPES = EVENTS_ALL.where(_E.type.in_(bindparam("types", expanding=True)))
PROFILE_BY_IDENTIFIER = (
    select(*(Profile.__table__.c[f.name] for f in fields(ProfileFacts)))
    .join(Identifier.__table__, _I.profile_id == Profile.__table__.c.id)
    .where(_I.kind == bindparam("kind"), _I.value == bindparam("value"))
)
STATEMENTS = {
    IDENTIFIERS: IDENTIFIERS_SQL,
    STATED: STATED_SQL,
    LEARNED: LEARNED_SQL,
    LABELS: LABELS_SQL,
    CONSENTS: CONSENTS_SQL,
}
