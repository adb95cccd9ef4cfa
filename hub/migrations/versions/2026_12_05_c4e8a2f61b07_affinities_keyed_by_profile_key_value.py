"""affinities keyed by (profile_id, key, value): no surrogate id; WITHOUT ROWID on SQLite

A learned interest was a row with an id, plus a unique index on (profile_id, key, value) that
every lookup went through. Nothing needs the id: learning, forgetting, merges and erasure all
find an interest by its profile, key and value. So that triple becomes the primary key. On
SQLite the table becomes a WITHOUT ROWID table — the primary-key B-tree holds the rows — so a
new interest writes one tree instead of two, and a profile's interests lie together on a few
pages instead of one page each (the profile read at a million profiles, issue 16 goal 4). On
PostgreSQL the unique index becomes the primary key and the id's index and sequence go.

SQLite cannot change a table's primary key in place: the rows are copied into a new table in
key order. Downgrade gives every row a new id (in key order) and the unique constraint back.

Revision ID: c4e8a2f61b07
Revises: a7f3c1e9d2b6
Create Date: 2026-12-05 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import SchemaItem

import hub.db

revision: str = "c4e8a2f61b07"
down_revision: str | Sequence[str] | None = "a7f3c1e9d2b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ("profile_id", "key", "value")
_DATA = (
    "score",
    "as_of",
    "views",
    "carts",
    "purchases",
    "returns",
    "last_touchpoint",
    "updated_at",
)
_COPIED = ", ".join(f'"{c}"' for c in (*_KEY, *_DATA))


def _columns() -> list[SchemaItem]:
    return [
        sa.Column("profile_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("as_of", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("carts", sa.Integer(), nullable=False),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("last_touchpoint", sa.String(length=20), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["profiles.id"], name="fk_affinities_profile_id_profiles"
        ),
    ]


def _swap_sqlite() -> None:
    """Copy the rows into affinities_new in key order, then put it in the old table's place."""
    op.execute(
        f"INSERT INTO affinities_new ({_COPIED}) SELECT {_COPIED} FROM affinities "
        'ORDER BY profile_id, "key", value'
    )
    op.drop_table("affinities")
    op.rename_table("affinities_new", "affinities")


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.create_table(
            "affinities_new",
            *_columns(),
            sa.PrimaryKeyConstraint(*_KEY, name="pk_affinities"),
            sqlite_with_rowid=False,
        )
        _swap_sqlite()
        return
    op.drop_constraint("pk_affinities", "affinities", type_="primary")
    op.drop_column("affinities", "id")
    op.drop_constraint("uq_affinities_profile_id_key_value", "affinities", type_="unique")
    op.create_primary_key("pk_affinities", "affinities", list(_KEY))


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.create_table(
            "affinities_new",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            *_columns(),
            sa.PrimaryKeyConstraint("id", name="pk_affinities"),
            sa.UniqueConstraint(*_KEY, name="uq_affinities_profile_id_key_value"),
        )
        _swap_sqlite()
        return
    op.drop_constraint("pk_affinities", "affinities", type_="primary")
    op.add_column("affinities", sa.Column("id", sa.BigInteger(), nullable=True))
    op.execute("CREATE SEQUENCE affinities_id_seq OWNED BY affinities.id")
    op.execute(
        "UPDATE affinities SET id = n.id FROM (SELECT profile_id, key, value, "
        "nextval('affinities_id_seq') AS id FROM (SELECT profile_id, key, value FROM affinities "
        "ORDER BY profile_id, key, value) AS ordered) AS n WHERE affinities.profile_id = "
        "n.profile_id AND affinities.key = n.key AND affinities.value = n.value"
    )
    op.execute(
        "ALTER TABLE affinities ALTER COLUMN id SET DEFAULT nextval('affinities_id_seq'), "
        "ALTER COLUMN id SET NOT NULL"
    )
    op.create_primary_key("pk_affinities", "affinities", ["id"])
    op.create_unique_constraint("uq_affinities_profile_id_key_value", "affinities", list(_KEY))
