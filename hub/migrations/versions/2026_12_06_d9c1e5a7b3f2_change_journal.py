"""change_journal, change_listeners: committed changes between processes on SQLite

`rapport-hub serve --workers N` runs N processes on one store, and `rapport-hub import` may
write while a hub serves. On PostgreSQL a change travels by NOTIFY; SQLite has no channel
between processes, so a subscriber held by one worker never heard what another committed.

A process that fans changes out to subscribers (`serve`) keeps a row in `change_listeners`
with a heartbeat. A listener's writing transactions, and any other process's while a
listener exists, add one row to `change_journal` (the changes, as JSON) inside the same
transaction, so the row exists only if the commit does; rows are numbered in commit order
(SQLite has one writer at a time) and every listener hands its subscribers the rows in that
order (hub/broker.py: SqliteBroker). Listeners take rows older than a minute away. PostgreSQL
needs neither table.

Revision ID: d9c1e5a7b3f2
Revises: f3a5c7e9b1d2
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d9c1e5a7b3f2"
down_revision: str | Sequence[str] | None = "f3a5c7e9b1d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    op.execute(
        """CREATE TABLE change_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    changes TEXT NOT NULL
)"""
    )
    op.execute("CREATE INDEX ix_change_journal_at ON change_journal (at)")
    op.execute(
        """CREATE TABLE change_listeners (
    origin TEXT NOT NULL PRIMARY KEY,
    seen REAL NOT NULL
) WITHOUT ROWID"""
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE change_listeners")
    op.execute("DROP TABLE change_journal")
