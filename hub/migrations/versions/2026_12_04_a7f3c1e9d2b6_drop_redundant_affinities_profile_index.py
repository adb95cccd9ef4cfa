"""drop ix_affinities_profile_id: the unique index on (profile_id, key, value) serves it

Every lookup of a profile's learned interests by profile_id alone (the profile read, merges,
erasure, the foreign key's checks on PostgreSQL) can use the unique index, which leads with
profile_id; the single-column index only cost one more B-tree write for every new interest
(ingest writes ~2.5 interests an event). Plain DROP/CREATE INDEX on both stores: SQLite needs no
table copy for it.

Revision ID: a7f3c1e9d2b6
Revises: 5d1c0e7a9b42
Create Date: 2026-12-04 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7f3c1e9d2b6"
down_revision: str | Sequence[str] | None = "5d1c0e7a9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_affinities_profile_id", table_name="affinities")


def downgrade() -> None:
    op.create_index("ix_affinities_profile_id", "affinities", ["profile_id"], unique=False)
