"""learned ranker beside each recommendation model

Revision ID: 907064ec109d
Revises: 3e78d2cb4c2e
Create Date: 2026-12-03 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "907064ec109d"
down_revision: str | Sequence[str] | None = "3e78d2cb4c2e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rec_models") as batch:
        batch.add_column(sa.Column("ranker", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rec_models") as batch:
        batch.drop_column("ranker")
