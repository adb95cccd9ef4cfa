"""notes.message_id: a note sent again after its answer was lost is stored once

`addNote(messageId:)` takes the client's id for a note, as `track` takes an event's: the agent
desktop keeps one per note it saves, so a save sent again (the hub stored the first, its answer
never came back) answers with the first note instead of storing a copy. Unique where given;
notes written before have none.

Revision ID: d2f4a6c8e0b1
Revises: c7e9a1b3d5f2
Create Date: 2026-12-07 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d2f4a6c8e0b1"
down_revision: str | Sequence[str] | None = "c7e9a1b3d5f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=200), nullable=True))
        batch_op.create_index("uq_notes_message_id", ["message_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index("uq_notes_message_id")
        batch_op.drop_column("message_id")
