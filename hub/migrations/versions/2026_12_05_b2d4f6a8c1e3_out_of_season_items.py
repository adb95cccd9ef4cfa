"""items out of season beside each recommendation model

Revision ID: b2d4f6a8c1e3
Revises: e5b7d3a1c9f4
Create Date: 2026-12-05 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b2d4f6a8c1e3"
down_revision: str | Sequence[str] | None = "e5b7d3a1c9f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rec_models") as batch:
        batch.add_column(
            sa.Column(
                "out_of_season",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),  # models trained before: none known
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("rec_models") as batch:
        batch.drop_column("out_of_season")
