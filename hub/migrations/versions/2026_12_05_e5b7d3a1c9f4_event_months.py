"""event_months: per profile, how many of its events each month holds (PostgreSQL)

On PostgreSQL `events` is partitioned by month, and a profile's newest events were read by
probing the index of every partition (eighteen on the benchmark store), most of them empty for
that profile. A customer's newest twenty events sit in one to three months. `event_months`
(profile_id, month, events) lets the profile read bound its events below by the oldest month
they need, so that PostgreSQL prunes the other partitions (hub/profile360/statements.py).

Statement-level triggers on `events` keep it, with transition tables as `events_claim_messages`
does: inserts add, deletes subtract (a month left with none goes), updates do both (a merge
moves events to another profile), TRUNCATE empties it; rows are upserted in key order, so
concurrent batches lock them in one order. Statements that name a partition directly (a month
moved out of the default keeps its rows, hub/events/partitions.py) fire none, and retention
deletes the months it drops. Existing events are counted into it here. SQLite keeps one events
table and needs none of this.

Revision ID: e5b7d3a1c9f4
Revises: c4e8a2f61b07
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e5b7d3a1c9f4"
down_revision: str | Sequence[str] | None = "c4e8a2f61b07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The month an event counts in: its UTC month, as the partitions' bounds are.
_MONTH = "date_trunc('month', occurred_at, 'UTC')"
_ADD = f"""
    INSERT INTO event_months AS m (profile_id, month, events)
    SELECT profile_id, {_MONTH}, count(*) FROM fresh GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (profile_id, month) DO UPDATE SET events = m.events + excluded.events;
"""
_SUBTRACT = f"""
    UPDATE event_months AS m SET events = m.events - g.n
    FROM (SELECT profile_id, {_MONTH} AS month, count(*) AS n FROM gone GROUP BY 1, 2) AS g
    WHERE m.profile_id = g.profile_id AND m.month = g.month;
    DELETE FROM event_months AS m
    USING (SELECT DISTINCT profile_id, {_MONTH} AS month FROM gone) AS g
    WHERE m.profile_id = g.profile_id AND m.month = g.month AND m.events <= 0;
"""
_UP = (
    """CREATE TABLE event_months (
    profile_id varchar(32) NOT NULL,
    month timestamptz NOT NULL,
    events integer NOT NULL,
    CONSTRAINT pk_event_months PRIMARY KEY (profile_id, month)
)""",
    f"""CREATE FUNCTION event_months_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_ADD} RETURN NULL; END $$""",
    f"""CREATE FUNCTION event_months_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_SUBTRACT} RETURN NULL; END $$""",
    f"""CREATE FUNCTION event_months_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_SUBTRACT} {_ADD} RETURN NULL; END $$""",
    """CREATE FUNCTION event_months_cleared() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN TRUNCATE event_months; RETURN NULL; END $$""",
    """CREATE TRIGGER event_months_added AFTER INSERT ON events
    REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION event_months_added()""",
    """CREATE TRIGGER event_months_removed AFTER DELETE ON events
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION event_months_removed()""",
    """CREATE TRIGGER event_months_moved AFTER UPDATE ON events
    REFERENCING OLD TABLE AS gone NEW TABLE AS fresh
    FOR EACH STATEMENT EXECUTE FUNCTION event_months_moved()""",
    """CREATE TRIGGER event_months_cleared AFTER TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION event_months_cleared()""",
    f"""INSERT INTO event_months (profile_id, month, events)
    SELECT profile_id, {_MONTH}, count(*) FROM events GROUP BY 1, 2""",
)
_DOWN = (
    "DROP TRIGGER event_months_cleared ON events",
    "DROP TRIGGER event_months_moved ON events",
    "DROP TRIGGER event_months_removed ON events",
    "DROP TRIGGER event_months_added ON events",
    "DROP FUNCTION event_months_cleared()",
    "DROP FUNCTION event_months_moved()",
    "DROP FUNCTION event_months_removed()",
    "DROP FUNCTION event_months_added()",
    "DROP TABLE event_months",
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for statement in _UP:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for statement in _DOWN:
        op.execute(statement)
