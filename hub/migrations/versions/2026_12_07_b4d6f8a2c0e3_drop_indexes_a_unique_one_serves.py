"""drop six single-column indexes that a unique index leading with the same column serves

Each of these tables has a unique constraint whose first column is the indexed one:

- key_profiles (key_id, profile_id) serves ix_key_profiles_key_id;
- consents (profile_id, purpose) serves ix_consents_profile_id;
- preferences (profile_id, key, value) serves ix_preferences_profile_id;
- forgotten_interests (profile_id, key, value) serves ix_forgotten_interests_profile_id;
- duplicate_candidates (profile_a, profile_b, reason) serves ix_duplicate_candidates_profile_a;
- gift_registry_items (registry_id, sku) serves ix_gift_registry_items_registry_id.

Both stores find rows by the leading column of a composite index, so every lookup (a profile's
consents, a key's customers, a foreign key's checks and cascades on PostgreSQL) keeps an index;
the single-column copies only cost one more B-tree write per row (a web key's link to each new
visitor, a new profile's consents) and their pages. Plain DROP/CREATE INDEX on both stores.

Revision ID: b4d6f8a2c0e3
Revises: f1d3b5a7c9e2
Create Date: 2026-12-07 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b4d6f8a2c0e3"
down_revision: str | Sequence[str] | None = "f1d3b5a7c9e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVED = (
    ("key_profiles", "key_id"),
    ("consents", "profile_id"),
    ("preferences", "profile_id"),
    ("forgotten_interests", "profile_id"),
    ("duplicate_candidates", "profile_a"),
    ("gift_registry_items", "registry_id"),
)


def upgrade() -> None:
    for table, column in SERVED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, column in SERVED:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
