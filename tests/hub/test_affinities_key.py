"""Learned interests keyed by (profile_id, key, value), WITHOUT ROWID on SQLite: the migration
from the table with ids, on a populated store, and back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError

from hub.db import UTCDateTime
from hub.migrate import alembic_config
from hub.profiles.models import Profile
from tests.conftest import unique
from tests.hub.test_event_partitions import _run

BEFORE = "a7f3c1e9d2b6"  # affinities with an id and a unique index on the triple

_AFFINITIES = sa.table(
    "affinities",
    *(sa.column(name) for name in ("profile_id", "key", "value", "score", "views", "carts")),
    *(sa.column(name) for name in ("purchases", "returns", "last_touchpoint")),
    sa.column("as_of", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


def _interest(profile_id: str, key: str, value: str, score: float) -> dict[str, object]:
    at = datetime(2010, 3, 9, 12, 30, tzinfo=UTC)
    return {
        "profile_id": profile_id,
        "key": key,
        "value": value,
        "score": score,
        "as_of": at,
        "views": 2,
        "carts": 1,
        "purchases": 0,
        "returns": 0,
        "last_touchpoint": "WEB",
        "updated_at": at,
    }


def _stored(url: str, profile_id: str) -> list[tuple[object, ...]]:
    """(key/value, score, views) of a profile's interests, in key order."""
    t = _AFFINITIES.c
    mine = t.profile_id == profile_id
    ordered = (t.key, t.value)
    facets, scores, views = _run(
        url,
        sa.select(t.key + "/" + t.value).where(mine).order_by(*ordered),
        sa.select(t.score).where(mine).order_by(*ordered),
        sa.select(t.views).where(mine).order_by(*ordered),
    )
    return list(zip(facets, scores, views, strict=True))


def _shape(url: str, db_kind: str) -> str:
    if db_kind == "sqlite":
        [[sql]] = _run(url, "SELECT sql FROM sqlite_master WHERE name = 'affinities'")
        return " ".join(str(sql).split())
    [columns] = _run(
        url,
        "SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = 'affinities'::regclass AND i.indisprimary",
    )
    return f"PRIMARY KEY ({columns[0]})"


def test_the_migration_keys_a_populated_table_by_its_triple_and_back(  # type: ignore[no-untyped-def]
    make_database, db_kind: str
) -> None:
    url = make_database("affkey")
    config = alembic_config(url)
    command.upgrade(config, BEFORE)
    first, second = unique("aff")[-32:], unique("afg")[-32:]
    rows = [
        _interest(first, "product", "85123A", 2.5),
        _interest(first, "category", "kitchen", 1.25),
        _interest(first, "theme", "heart", -0.75),
        _interest(second, "product", "85123A", 0.5),
    ]
    _run(
        url,
        sa.insert(Profile).values(
            [{"id": p, "traits": {}, "is_known": False, "version": 1} for p in (first, second)]
        ),
        sa.insert(_AFFINITIES).values(rows),
    )
    before = _stored(url, first), _stored(url, second)

    command.upgrade(config, "head")
    assert (_stored(url, first), _stored(url, second)) == before
    shape = _shape(url, db_kind)
    if db_kind == "sqlite":
        assert shape.endswith("WITHOUT ROWID"), shape
        assert 'PRIMARY KEY (profile_id, "key", value)' in shape, shape
        assert " id " not in shape
    else:
        assert shape == "PRIMARY KEY (profile_id,key,value)", shape
    with pytest.raises(IntegrityError):  # the triple is the key
        _run(url, sa.insert(_AFFINITIES).values([_interest(first, "theme", "heart", 1.0)]))

    command.downgrade(config, BEFORE)
    assert (_stored(url, first), _stored(url, second)) == before
    [ids] = _run(url, "SELECT id FROM affinities ORDER BY id")
    assert len(ids) == 4 and len(set(ids)) == 4 and None not in ids
    with pytest.raises(IntegrityError):  # the unique constraint is back
        _run(url, sa.insert(_AFFINITIES).values([_interest(second, "product", "85123A", 1.0)]))
    _run(url, sa.insert(_AFFINITIES).values([_interest(second, "theme", "heart", 1.0)]))
    [[new_id]] = _run(url, "SELECT id FROM affinities WHERE \"key\" = 'theme' AND score = 1.0")
    assert new_id not in ids  # ids are given again after the downgrade

    command.upgrade(config, "head")
    assert len(_stored(url, second)) == 2
