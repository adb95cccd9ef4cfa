"""events partitioned by month on PostgreSQL; message ids in event_messages

On PostgreSQL `events` becomes a range-partitioned table (a partition per month of
occurred_at, UTC, and a default one; hub/events/partitions.py keeps months ahead). A unique
key on a partitioned table must hold the partition key, so events' primary key becomes
(id, occurred_at) and the one-message-id rule moves to `event_messages` (every message id
ever stored: those of live events and the former `retired_messages`), filled by a trigger
on `events`, on SQLite too. The rows are copied into the new table; downgrade copies them
back.

Revision ID: 5d1c0e7a9b42
Revises: 907064ec109d
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = "5d1c0e7a9b42"
down_revision: str | Sequence[str] | None = "907064ec109d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTHS_AHEAD = 3
_COLUMNS = (
    "id, message_id, profile_id, identifier_id, type, touchpoint, occurred_at, received_at, "
    "product_sku, quantity, price, properties"
)
_BODY = """
    id bigint NOT NULL DEFAULT nextval('events_id_seq'),
    message_id varchar(200) NOT NULL,
    profile_id varchar(32) NOT NULL,
    identifier_id bigint,
    type varchar(30) NOT NULL,
    touchpoint varchar(20) NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    product_sku varchar(64),
    quantity integer,
    price numeric(12, 2),
    properties jsonb NOT NULL,
    CONSTRAINT fk_events_profile_id_profiles FOREIGN KEY (profile_id) REFERENCES profiles (id),
    CONSTRAINT fk_events_identifier_id_identifiers FOREIGN KEY (identifier_id)
        REFERENCES identifiers (id),
"""
_INDEXES = (
    "CREATE INDEX ix_events_profile_occurred ON events (profile_id, occurred_at)",
    "CREATE INDEX ix_events_identifier_id ON events (identifier_id)",
)
_PG_CLAIM = (
    """CREATE FUNCTION events_claim_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_messages (message_id) SELECT message_id FROM fresh;
    RETURN NULL;
END $$""",
    # Once per statement: a batch of a thousand events is one INSERT … SELECT.
    """CREATE TRIGGER events_claim_messages AFTER INSERT ON events
    REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION events_claim_messages()""",
)
_SQLITE_CLAIM = """
CREATE TRIGGER events_claim_messages AFTER INSERT ON events BEGIN
    INSERT INTO event_messages (message_id) VALUES (NEW.message_id);
END
"""


def _month(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next(month: datetime, count: int = 1) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return month.replace(year=index // 12, month=index % 12 + 1)


def _bound(moment: datetime) -> str:
    return f"'{moment:%Y-%m-%d %H:%M:%S}+00'"


def upgrade() -> None:
    op.create_table(
        "event_messages",
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_event_messages")),
    )
    op.execute(
        "INSERT INTO event_messages (message_id) SELECT message_id FROM events "
        "UNION SELECT message_id FROM retired_messages"
    )
    op.drop_table("retired_messages")
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("events") as batch:
            batch.drop_constraint("uq_events_message_id", type_="unique")
        op.execute(_SQLITE_CLAIM)
        return

    op.execute("ALTER TABLE events RENAME TO events_unpartitioned")
    op.execute("ALTER TABLE events_unpartitioned DROP CONSTRAINT uq_events_message_id")
    for index in ("ix_events_profile_occurred", "ix_events_identifier_id"):
        op.execute(f"DROP INDEX {index}")
    op.execute("ALTER INDEX pk_events RENAME TO pk_events_unpartitioned")
    op.execute(
        f"CREATE TABLE events ({_BODY} CONSTRAINT pk_events PRIMARY KEY (id, occurred_at)) "
        "PARTITION BY RANGE (occurred_at)"
    )
    for statement in _INDEXES:
        op.execute(statement)
    op.execute("CREATE TABLE events_default PARTITION OF events DEFAULT")
    held = op.get_bind().execute(
        sa.text(
            "SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') "
            "FROM events_unpartitioned"
        )
    )
    now = _month(datetime.now(UTC))
    months = {_month(row[0]) for row in held} | {_next(now, n) for n in range(MONTHS_AHEAD + 1)}
    for month in sorted(months):
        op.execute(
            f"CREATE TABLE events_p{month:%Y_%m} PARTITION OF events "
            f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(_next(month))})"
        )
    op.execute(f"INSERT INTO events ({_COLUMNS}) SELECT {_COLUMNS} FROM events_unpartitioned")
    op.execute("ALTER SEQUENCE events_id_seq OWNED BY events.id")
    op.execute("DROP TABLE events_unpartitioned")
    for statement in _PG_CLAIM:
        op.execute(statement)
    op.execute("ANALYZE events")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER events_claim_messages ON events")
        op.execute("DROP FUNCTION events_claim_messages()")
        op.execute("ALTER TABLE events RENAME TO events_partitioned")
        op.execute("ALTER INDEX pk_events RENAME TO pk_events_partitioned")
        for index in ("ix_events_profile_occurred", "ix_events_identifier_id"):
            op.execute(f"ALTER INDEX {index} RENAME TO {index}_partitioned")
        op.execute(
            f"CREATE TABLE events ({_BODY} CONSTRAINT pk_events PRIMARY KEY (id), "
            "CONSTRAINT uq_events_message_id UNIQUE (message_id))"
        )
        for statement in _INDEXES:
            op.execute(statement)
        op.execute(f"INSERT INTO events ({_COLUMNS}) SELECT {_COLUMNS} FROM events_partitioned")
        op.execute("ALTER SEQUENCE events_id_seq OWNED BY events.id")
        op.execute("DROP TABLE events_partitioned")  # and every partition with it
    else:
        op.execute("DROP TRIGGER events_claim_messages")
        with op.batch_alter_table("events") as batch:
            batch.create_unique_constraint("uq_events_message_id", ["message_id"])
    op.create_table(
        "retired_messages",
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("retired_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_retired_messages")),
    )
    # The ids of events no longer stored are the retired ones again.
    retired = sa.table(
        "retired_messages",
        sa.column("message_id", sa.String()),
        sa.column("retired_at", hub.db.UTCDateTime()),
    )
    kept = sa.table("event_messages", sa.column("message_id", sa.String()))
    events = sa.table("events", sa.column("message_id", sa.String()))
    op.get_bind().execute(
        sa.insert(retired).from_select(
            ["message_id", "retired_at"],
            sa.select(kept.c.message_id, sa.literal(datetime.now(UTC), hub.db.UTCDateTime())).where(
                ~sa.exists().where(events.c.message_id == kept.c.message_id)
            ),
        )
    )
    op.drop_table("event_messages")
