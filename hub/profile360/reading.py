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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from hub.catalog.models import Category, Product
from hub.events.models import Event
from hub.identity.models import Identifier
from hub.preferences import views as preference_views
from hub.preferences.models import Affinity, Preference
from hub.preferences.views import LearnedLike
from hub.privacy import consent
from hub.privacy.models import Consent
from hub.weights import Weights

IDENTIFIERS = "identifiers"
PREFERENCES = "preferences"
CONSENTS = "consents"
EVENTS = "events"

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


def load_parts(
    session: Session, keys: Sequence[PartKey], weights: Weights, now: datetime
) -> list[Any]:
    """Every part named in `keys`, in their order (run with `AsyncSession.run_sync`)."""
    conn = session.connection()
    wanted: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if key[0] != EVENTS:
            wanted[key[0]].append(key[1])
    found: dict[PartKey, Any] = {}
    if wanted[IDENTIFIERS]:
        ids = wanted[IDENTIFIERS]
        grouped = _identifiers(conn, ids)
        found.update({(IDENTIFIERS, i): grouped.get(i, []) for i in ids})
    if wanted[PREFERENCES]:
        ids = wanted[PREFERENCES]
        views = _preferences(conn, ids, weights)
        found.update({(PREFERENCES, i): views.get(i, []) for i in ids})
    if wanted[CONSENTS]:
        ids = wanted[CONSENTS]
        rows = [ConsentFacts(*r) for r in _rows(conn, _CONSENTS, {"ids": ids})]
        answers = consent.views_from(rows, ids, now)
        found.update({(CONSENTS, i): answers[i] for i in ids})
    for key in keys:
        if key[0] == EVENTS and key not in found:
            _, profile_id, limit, types = key
            found[key] = _events(conn, profile_id, limit, types)
    return [found[key] for key in keys]


def _identifiers(conn: Connection, ids: list[str]) -> dict[str, list[IdentifierFacts]]:
    grouped: dict[str, list[IdentifierFacts]] = defaultdict(list)
    for row in _rows(conn, _IDENTIFIERS, {"ids": ids}):
        grouped[row[0]].append(IdentifierFacts(*row))
    return grouped


def _preferences(
    conn: Connection, ids: list[str], weights: Weights
) -> dict[str, list[preference_views.PreferenceView]]:
    stated = [StatedFacts(*r) for r in _rows(conn, _STATED, {"ids": ids})]
    # Hundreds of rows for a long history, of which 15 are shown: scored as they come (a row
    # has every attribute preferences.views.LearnedLike asks for), no object built per row.
    learned: list[LearnedLike] = _rows(conn, _LEARNED, {"ids": ids})
    shown = preference_views.strongest_learned(learned, weights)
    facets = [(p.key, p.value) for p in stated]
    facets += [(a.key, a.value) for rows in shown.values() for _, a in rows]
    skus = sorted({value for key, value in facets if key == "product"})
    slugs = sorted({value for key, value in facets if key == "category"})
    labels: dict[tuple[str, str], str] = {}
    if skus or slugs:
        names = _rows(conn, _LABELS, {"skus": skus, "slugs": slugs})
        labels = {(key, value): name for key, value, name in names}
    return preference_views.views_from(stated, shown, labels)


def _rows(conn: Connection, query: Any, parameters: dict[str, Any]) -> list[Any]:
    return list(conn.execute(query, parameters))


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
_LEARNED = select(
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
).where(_A.profile_id.in_(_IDS))
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


def _events(conn: Connection, profile_id: str, limit: int, types: tuple[str, ...]) -> list[Any]:
    parameters: dict[str, Any] = {"profile_id": profile_id, "limit": limit}
    if types:
        parameters["types"] = list(types)
    rows = _rows(conn, _EVENTS_OF_TYPES if types else _EVENTS_ALL, parameters)
    return [EventFacts(*r) for r in rows]
