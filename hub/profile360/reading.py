"""The profile read's bundle: a profile's identifiers, preferences (with reasons), consents
and recent events, loaded with a few SQLAlchemy Core statements into plain objects.

A request's Profile fields ask for their parts through one DataLoader
(`loaders.profile_parts`); a profile read by identifier reads the parts its selection will
ask for together with the lookup (`lookup_with_parts`) and primes the loader with them. The
parts asked in the same tick (every sibling field of every profile in the answer) are loaded
together, in one trip through SQLAlchemy's greenlet
(`session.run_sync`), one statement per kind of part: identifiers, stated preferences,
learned interests, the names of what is shown, consents, and each profile's events with their
products' names joined in. No ORM object is built: the ORM's per-row bookkeeping was most of
a profile read's time (docs/performance.md, issue 16). What the parts mean — the reasons, the
strongest learned interests, the consent policy, the summaries — stays with its domain
(`preferences.views`, `privacy.consent`, `events.service.describe`); the rows here are only
read, never written back, so the write path keeps its ORM rows.

Learned interests are ranked in SQL first (each decayed to its profile's newest activity, the
strongest `LEARNED_CANDIDATES` and the newest one kept; for a single profile without window
functions), and the domain's own `strongest_learned` ranks those exactly: a long history's
other rows are never fetched. The statements are in `statements`, the values they fill in
`facts`; they run straight on the driver (`hub.reads`: on SQLite the whole bundle in one trip
to the driver's thread, on asyncpg one statement after another with no transaction around
them — and a read by identifier as one statement, `statements.bundle`), elsewhere in one
`run_sync` trip. That one statement does not look the preferences' labels up: it returns the
catalogue's version, and the names come from the copy each process keeps at that version
(`hub.catalog.names`), loaded again when the catalogue has changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from hub import reads
from hub.catalog import names
from hub.identity import search
from hub.identity import service as identity
from hub.identity.normalize import IdentifierIn
from hub.preferences import views as preference_views
from hub.preferences.facts import LearnedFacts, StatedFacts
from hub.privacy import consent
from hub.profile360 import statements as sql
from hub.profile360.facts import (
    CONSENTS,
    EVENTS,
    IDENTIFIERS,
    LABELS,
    LEARNED,
    LEARNED_OF_ONE,
    PREFERENCES,
    STATED,
    ConsentFacts,
    EventFacts,
    IdentifierFacts,
    PartKey,
    ProfileFacts,
)
from hub.profiles import service as profiles
from hub.reads import Execute
from hub.weights import Weights

# A preference's label by (facet, value): one read's names, or the names kept (names.Names).
Labels = Mapping[tuple[str, str], str]


async def load(
    session: AsyncSession, keys: Sequence[PartKey], weights: Weights, now: datetime
) -> list[Any]:
    """Every part named in `keys`, in their order: straight on the driver (SQLite: one trip
    to its thread), elsewhere in one `run_sync` trip; a statement per kind of part."""
    async with reads.straight(session) as found:
        if found is not None:
            driver, dialect = found
            half_life = weights.half_life_seconds
            rows = await reads.run(driver, dialect, _fetch, list(keys), half_life)
    if found is not None:
        return _assemble(keys, reads.converted(rows, dialect, _statement_of), weights, now)
    parts: list[Any] = await session.run_sync(load_parts, list(keys), weights, now)
    return parts


def _statement_of(name: Any) -> Any:
    return sql.event_statement(name) if isinstance(name, tuple) else sql.STATEMENTS[name]


async def lookup(
    session: AsyncSession, profile_id: str | None, identifier: IdentifierIn | None, region: str
) -> Any | None:
    """The live profile by id (ORM row) or by identifier (ProfileFacts when it is live; a merged
    or erased one is followed or refused as `identity.search.lookup` does)."""
    if profile_id is not None or identifier is None:
        return await search.lookup(session, profile_id, identifier, region)
    normal = identity.normalize_one(identifier, region, ("identifier",))
    row = await profile_by_identifier(session, normal.kind.value, normal.value)
    return await profiles.live_or_followed(session, row)


_LOOKUP = "lookup"


async def lookup_with_parts(
    session: AsyncSession,
    identifier: IdentifierIn,
    region: str,
    wanted: Sequence[PartKey],
    weights: Weights,
    now: datetime,
) -> tuple[Any | None, dict[PartKey, Any]]:
    """`lookup` by identifier, and the parts `wanted` (part keys without the profile id, as
    `(EVENTS, limit, types)` or `(IDENTIFIERS,)`) of the live profile it finds, read with it:
    on SQLite in the same trip to the driver's thread, on PostgreSQL in the same statement
    (`statements.bundle`). No parts for a merged or erased profile (followed or refused as
    `lookup` does), or off the driver."""
    if not wanted:
        return await lookup(session, None, identifier, region), {}
    async with reads.straight(session) as found:
        if found is None:
            return await lookup(session, None, identifier, region), {}
        normal = identity.normalize_one(identifier, region, ("identifier",))
        driver, dialect = found
        parameters = {"kind": normal.kind.value, "value": normal.value}
        half_life = weights.half_life_seconds
        if dialect.name == "postgresql":
            return await _bundled(session, driver, dialect, parameters, wanted, weights, now)

        def work(execute: Execute) -> dict[Any, Any]:
            rows: dict[Any, Any] = {_LOOKUP: execute(sql.PROFILE_BY_IDENTIFIER, parameters)}
            if rows[_LOOKUP]:
                profile = ProfileFacts(*rows[_LOOKUP][0])  # unconverted: only its id and Nones
                if profile.merged_into_id is None and profile.erased_at is None:
                    rows.update(_fetch(execute, _keyed(wanted, profile.id), half_life))
            return rows

        rows = reads.converted(
            await reads.run(driver, dialect, work), dialect, _statement_or_lookup
        )
        looked = rows.pop(_LOOKUP)
        if not looked:
            return None, {}
        row = ProfileFacts(*looked[0])
        followed = await profiles.live_or_followed(session, row)
        if followed is not row:  # merged or erased: no parts were read beside it
            return followed, {}
        keys = _keyed(wanted, row.id)
        return row, dict(zip(keys, _assemble(keys, rows, weights, now), strict=True))


async def _bundled(
    session: AsyncSession,
    driver: Any,
    dialect: Any,
    parameters: dict[str, Any],
    wanted: Sequence[PartKey],
    weights: Weights,
    now: datetime,
) -> tuple[Any | None, dict[PartKey, Any]]:
    """`lookup_with_parts` on PostgreSQL: the lookup and the parts in one statement, the parts
    as one JSON text (`statements.bundle`), each part's rows read back as its own statement's
    rows would be (`reads.from_json`).

    The statement is made once per shape, so the shapes are few whatever a document asks:
    the parts in one order (identifiers, preferences, consents, events), at most
    `BUNDLED_EVENTS` lists of events without a type filter; any other part asked is left to
    its field's loader."""
    parameters = {
        **parameters,
        "half_life": weights.half_life_seconds,
        "candidates": sql.LEARNED_CANDIDATES,
    }
    bundled = [part for part in _BUNDLE_ORDER if (part,) in wanted]
    events = [part for part in wanted if part[0] == EVENTS and not part[2]]
    wanted = [(part,) for part in bundled] + events[:BUNDLED_EVENTS]
    shape: list[Any] = list(bundled)
    for position, (_, limit, _types) in enumerate(events[:BUNDLED_EVENTS]):
        shape.append((EVENTS, position, False, limit))
    statement = sql.bundle(tuple(shape))
    named = sql.bundle_parts(tuple(shape))

    def work(execute: Execute) -> dict[Any, Any]:
        return {_LOOKUP: execute(statement, parameters)}

    looked = reads.converted(await reads.run(driver, dialect, work), dialect, lambda _: statement)
    if not looked[_LOOKUP]:
        return None, {}
    first = looked[_LOOKUP][0]
    width = _PROFILE_WIDTH
    row = ProfileFacts(*first[:width])
    followed = await profiles.live_or_followed(session, row)
    if followed is not row:  # merged or erased: its parts are not this answer's
        return followed, {}
    keys = _keyed(wanted, row.id)
    # orjson: the parts' JSON holds only the columns' own values (an event's properties come
    # as text, decoded when asked for), so no integer beyond 64 bits; 2–3× the stdlib's speed.
    arrays = dict(zip((name for name, _ in named), orjson.loads(first[width]), strict=True))
    statements = dict(named)
    rows = reads.from_json(arrays, statements.__getitem__)
    # An events part goes by its full key (with the profile id), as `_fetch` names it.
    for name in [n for n in rows if isinstance(n, tuple)]:
        rows[keys[len(bundled) + name[1]]] = rows.pop(name)
    labels: Labels | None = None
    if PREFERENCES in bundled:  # the catalogue's version follows the parts
        labels = await names.as_of(session.bind, first[width + 1], driver, dialect)
        if labels is None:  # no copy to be had now: this read's few names, looked up
            skus, slugs = _named_in(rows[STATED], rows[LEARNED])
            rows[LABELS] = []
            if skus or slugs:
                (rows[LABELS],) = await reads.on_driver(
                    (driver, dialect), [(sql.LABELS_SQL, {"skus": skus, "slugs": slugs})]
                )
    return row, dict(zip(keys, _assemble(keys, rows, weights, now, labels), strict=True))


_BUNDLE_ORDER = (IDENTIFIERS, PREFERENCES, CONSENTS)
_PROFILE_WIDTH = len(fields(ProfileFacts))  # the lookup's columns before the parts' arrays
BUNDLED_EVENTS = 2


def _keyed(wanted: Sequence[PartKey], profile_id: str) -> list[PartKey]:
    return [(part[0], profile_id, *part[1:]) for part in wanted]


def _statement_or_lookup(name: Any) -> Any:
    return sql.PROFILE_BY_IDENTIFIER if name == _LOOKUP else _statement_of(name)


async def profile_by_identifier(session: AsyncSession, kind: str, value: str) -> Any | None:
    """The profile holding this normalised identifier (merged or erased ones too: the caller
    follows or refuses them), as ProfileFacts: one statement, no ORM object."""
    parameters = {"kind": kind, "value": value}
    found = reads.Read(((sql.PROFILE_BY_IDENTIFIER, parameters),), lambda rows: rows[0])
    (rows,) = await reads.fetch(session, [found])
    return ProfileFacts(*rows[0]) if rows else None


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
        rows[IDENTIFIERS] = execute(sql.IDENTIFIERS_SQL, {"ids": wanted[IDENTIFIERS]})
    if wanted[PREFERENCES]:
        ids = wanted[PREFERENCES]
        stated = rows[STATED] = execute(sql.STATED_SQL, {"ids": ids})
        ranking = {"half_life": half_life, "candidates": sql.LEARNED_CANDIDATES}
        if len(ids) == 1:  # (a profile read) the candidates without window functions
            learned = rows[LEARNED_OF_ONE] = execute(
                sql.LEARNED_OF_ONE_SQL, {"profile_id": ids[0], **ranking}
            )
        else:
            learned = rows[LEARNED] = execute(sql.LEARNED_SQL, {"ids": ids, **ranking})
        # Names of every candidate (a few more than are shown; only the shown are looked up).
        rows[LABELS] = _labels(execute, *_named_in(stated, learned))
    if wanted[CONSENTS]:
        rows[CONSENTS] = execute(sql.CONSENTS_SQL, {"ids": wanted[CONSENTS]})
    for key in keys:
        if key[0] == EVENTS and key not in rows:
            _, profile_id, limit, types = key
            parameters: dict[str, Any] = {"profile_id": profile_id, "limit": limit}
            if types:
                parameters["types"] = list(types)
            rows[key] = execute(sql.EVENTS_OF_TYPES if types else sql.EVENTS_ALL, parameters)
    return rows


def _named_in(stated: Sequence[Any], learned: Sequence[Any]) -> tuple[list[str], list[str]]:
    """(skus, slugs) among stated preferences' and learned candidates' rows: what their labels
    name."""
    facets = {(r[1], r[2]) for r in stated} | {(r[1], r[2]) for r in learned}
    skus = sorted({value for key, value in facets if key == "product"})
    slugs = sorted({value for key, value in facets if key == "category"})
    return skus, slugs


def _labels(execute: Execute, skus: list[str], slugs: list[str]) -> Sequence[Any]:
    return execute(sql.LABELS_SQL, {"skus": skus, "slugs": slugs}) if skus or slugs else []


def _assemble(
    keys: Sequence[PartKey],
    rows: dict[Any, Any],
    weights: Weights,
    now: datetime,
    labels: Labels | None = None,
) -> list[Any]:
    """The parts of `keys` from their rows; preferences labelled by `labels` when given, else
    by the rows of LABELS."""
    wanted = _wanted(keys)
    found: dict[PartKey, Any] = {}
    if wanted[IDENTIFIERS]:
        grouped: dict[str, list[IdentifierFacts]] = defaultdict(list)
        for row in rows[IDENTIFIERS]:
            grouped[row[0]].append(IdentifierFacts(*row))
        found.update({(IDENTIFIERS, i): grouped.get(i, []) for i in wanted[IDENTIFIERS]})
    if wanted[PREFERENCES]:
        stated = [StatedFacts(*r) for r in rows[STATED]]
        learned = [LearnedFacts(*r) for r in rows.get(LEARNED, rows.get(LEARNED_OF_ONE, []))]
        shown = preference_views.strongest_learned(learned, weights)
        if labels is None:
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
