"""catalog_versions row 2: a counter that moves when what a product offers may have changed

Row 1 moves with every write that can change a name (migration f3a5c7e9b1d2), and only then,
so that the names' copy each hub keeps is not thrown away by stock or sales. The recommendations'
catalogue snapshot (`hub/recs/service.py`) also serves on stock, price, category and tags: a
product sold out by the retailer's stock system, written straight to `products`, was still
recommended for up to five minutes. Row 2 moves with every update of `in_stock`, `price`,
`category_slug` or `tags` (statement-level on PostgreSQL, row-level on SQLite); the snapshot
looks at both rows every quarter second and loads again when either moved. `units_sold`,
`description` and `updated_at` move neither.

Revision ID: c7e9a1b3d5f2
Revises: b4d6f8a2c0e3
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c7e9a1b3d5f2"
down_revision: str | Sequence[str] | None = "b4d6f8a2c0e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = "UPDATE catalog_versions SET version = version + 1 WHERE id = 2"
_COLUMNS = "in_stock, price, category_slug, tags"
# As row 1 does: the migration's moment in milliseconds, past any version an older row 2 had.
_NOW_MS = {
    True: "(extract(epoch FROM clock_timestamp()) * 1000)::bigint",
    False: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
}


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute(f"INSERT INTO catalog_versions (id, version) VALUES (2, {_NOW_MS[postgresql]})")
    if postgresql:
        op.execute(
            "CREATE FUNCTION catalog_offer_changed() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER products_offer_changed "
            f"AFTER UPDATE OF {_COLUMNS} ON products "
            "FOR EACH STATEMENT EXECUTE FUNCTION catalog_offer_changed()"
        )
        return
    op.execute(
        f"CREATE TRIGGER products_offer_update AFTER UPDATE OF {_COLUMNS} ON products "
        f"BEGIN {_BUMP}; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER products_offer_changed ON products")
        op.execute("DROP FUNCTION catalog_offer_changed()")
    else:
        op.execute("DROP TRIGGER products_offer_update")
    op.execute("DELETE FROM catalog_versions WHERE id = 2")
