"""catalog_versions: a counter that moves whenever a product's or a category's name may have

The profile read names the products and categories of a shopper's preferences. On PostgreSQL
it now takes those names from a copy each hub process keeps (`hub/catalog/names.py`) instead
of looking them up in every read's statement — but only while the copy is as new as what the
read sees: the read's one statement also returns this counter, and a copy of another counter
is not used (it is loaded again). Triggers move the counter with every write that can change a
name: rows inserted or deleted, `sku`, `slug` or `name` updated, TRUNCATE — statement-level on
PostgreSQL (one increment a statement, however many rows), row-level on SQLite. Writes that
leave names alone (stock, prices, units sold) do not move it.

Revision ID: f3a5c7e9b1d2
Revises: b2d4f6a8c1e3
Create Date: 2026-12-05 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3a5c7e9b1d2"
down_revision: str | Sequence[str] | None = "b2d4f6a8c1e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = "UPDATE catalog_versions SET version = version + 1 WHERE id = 1"
# The counter starts at the migration's moment in milliseconds, not at 1, so that a table made
# again (a downgrade and an upgrade while hubs keep their copies) starts past the versions the
# old one had — unless that one took more name writes than milliseconds passed in between.
_NOW_MS = {
    True: "(extract(epoch FROM clock_timestamp()) * 1000)::bigint",
    False: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
}
# (table, the columns a name lives by)
_NAMED = (("products", "sku, name"), ("categories", "slug, name"))


def upgrade() -> None:
    op.create_table(
        "catalog_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute(f"INSERT INTO catalog_versions (id, version) VALUES (1, {_NOW_MS[postgresql]})")
    if postgresql:
        op.execute(
            "CREATE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for table, columns in _NAMED:
            op.execute(
                f"CREATE TRIGGER {table}_names_changed "
                f"AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_names_cleared AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed()"
            )
        return
    for table, columns in _NAMED:
        for event in ("INSERT", f"UPDATE OF {columns}", "DELETE"):
            name = f"{table}_names_{event.split()[0].lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in _NAMED:
            op.execute(f"DROP TRIGGER {table}_names_cleared ON {table}")
            op.execute(f"DROP TRIGGER {table}_names_changed ON {table}")
        op.execute("DROP FUNCTION catalog_changed()")
    else:
        for table, _ in _NAMED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_names_{event}")
    op.drop_table("catalog_versions")
