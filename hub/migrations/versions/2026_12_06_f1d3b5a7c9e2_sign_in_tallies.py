"""sign_in_tallies: the sign-in throttle's counts, shared by every process of a hub

Failed sign-ins were counted in each hub process's memory, so a guesser spread over the N
processes of `serve --workers N` (or N replicas) got N times the limit, and a restart forgot
them. One row per username and per client address — an HMAC of it, never the value — holds
its recent failures, the attempts being checked and any lockout (hub/auth/throttle.py:
SharedThrottle); a row goes once nothing in it counts (`until`).

Revision ID: f1d3b5a7c9e2
Revises: e7b2c4d6f8a1
Create Date: 2026-12-06 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1d3b5a7c9e2"
down_revision: str | Sequence[str] | None = "e7b2c4d6f8a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_tallies",
        sa.Column("kind", sa.String(16), primary_key=True),  # "username" or "address"
        sa.Column("key", sa.String(40), primary_key=True),  # HMAC-SHA-256, hex, cut to 40
        sa.Column("state", sa.Text(), nullable=False),  # [failures, pending, locked_until]
        # When nothing in it counts any more (seconds since the epoch): rows past it go.
        sa.Column("until", sa.Float(), nullable=False),
    )
    op.create_index("ix_sign_in_tallies_until", "sign_in_tallies", ["until"])


def downgrade() -> None:
    op.drop_table("sign_in_tallies")
