"""leases: a job done by one process at a time among those that share a store

The outbox's delivery and retraining ran in every process: with `serve --workers N` on SQLite
each message was sent once per process (SQLite has no row locks, so `SKIP LOCKED` shared
nothing out), and every hub process or replica retrained on its own clock. A row per job
(name, holder, until) says who does it now (hub/leases.py).

Revision ID: e7b2c4d6f8a1
Revises: d9c1e5a7b3f2
Create Date: 2026-12-06 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b2c4d6f8a1"
down_revision: str | Sequence[str] | None = "d9c1e5a7b3f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(32), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),  # seconds since the epoch
    )


def downgrade() -> None:
    op.drop_table("leases")
