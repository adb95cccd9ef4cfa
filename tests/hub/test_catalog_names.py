"""The catalogue's version moves with every write that can change a name, and only with those
(both stores); the profile read labels preferences from the names each process keeps, as new as
the read on PostgreSQL: a rename is in the next read's labels, a copy is loaded once per
version, a read that cannot have a copy looks its names up itself, and two stores served by one
process keep theirs apart."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, text, update

from hub.catalog import names
from hub.catalog.models import CatalogVersion, Category, Product
from hub.db import Database, utcnow
from hub.enums import IdentifierKind
from hub.identity.models import Identifier
from hub.identity.normalize import IdentifierIn
from hub.preferences.models import Affinity, Preference
from hub.profile360 import reading
from hub.profile360.facts import PREFERENCES
from hub.profiles.models import Profile
from hub.settings import Settings
from hub.weights import Weights
from tests.conftest import hub_command, unique


async def _version(db: Database, row: int = 1) -> int:
    """Row 1: the names' version; row 2: what a product offers (stock, price, category, tags)."""
    async with db.sessions() as session:
        found = await session.scalar(select(CatalogVersion.version).where(CatalogVersion.id == row))
        return int(found or 0)


async def _write(db: Database, *statements: object) -> None:
    async with db.sessions() as session:
        for statement in statements:
            await session.execute(statement)  # type: ignore[call-overload]
        await session.commit()


async def test_the_version_moves_with_names_only(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("names")
    hub_command(url, "migrate")
    db = Database(url)
    try:
        start = await _version(db)
        assert start >= 1
        await _write(
            db,
            insert(Category).values(slug="toys", name="Toys", position=1),
            insert(Product).values(
                sku="T1", name="Tin robot", description="", category_slug="toys",
                price=Decimal("3.50"), tags=[], in_stock=True, units_sold=0,
                updated_at=utcnow(),
            ),
        )  # fmt: skip
        inserted = await _version(db)
        assert inserted > start
        # Stock, price and sales leave every name as it was: the version stays.
        await _write(
            db,
            update(Product)
            .where(Product.sku == "T1")
            .values(in_stock=False, price=Decimal("4"), units_sold=7),
            update(Category).where(Category.slug == "toys").values(position=2),
        )
        assert await _version(db) == inserted
        await _write(db, update(Product).where(Product.sku == "T1").values(name="Tin robot II"))
        renamed = await _version(db)
        assert renamed > inserted
        await _write(db, update(Category).where(Category.slug == "toys").values(name="Play"))
        recategorised = await _version(db)
        assert recategorised > renamed
        await _write(db, delete(Product).where(Product.sku == "T1"))
        assert await _version(db) > recategorised
    finally:
        await db.dispose()


async def test_the_offer_version_moves_with_stock_price_category_and_tags(make_database) -> None:  # type: ignore[no-untyped-def]
    """Row 2, which the recommendations' snapshot looks at beside row 1: a product sold out or
    repriced by another process is no longer served as it was."""
    url = make_database("offer")
    hub_command(url, "migrate")
    db = Database(url)
    try:
        await _write(
            db,
            insert(Category).values(slug="toys", name="Toys", position=1),
            insert(Category).values(slug="games", name="Games", position=2),
            insert(Product).values(
                sku="T1", name="Tin robot", description="", category_slug="toys",
                price=Decimal("3.50"), tags=[], in_stock=True, units_sold=0,
                updated_at=utcnow(),
            ),
        )  # fmt: skip
        seen = await _version(db, 2)
        assert seen >= 1
        # Sales, descriptions and the clock leave it.
        await _write(
            db,
            update(Product)
            .where(Product.sku == "T1")
            .values(units_sold=9, description="Wind it up", updated_at=utcnow()),
        )
        assert await _version(db, 2) == seen
        for change in (
            {"in_stock": False},
            {"price": Decimal("4.25")},
            {"category_slug": "games"},
            {"tags": ["tin"]},
        ):
            await _write(db, update(Product).where(Product.sku == "T1").values(**change))
            moved = await _version(db, 2)
            assert moved > seen, change
            seen = moved
        names_before = await _version(db)
        await _write(db, update(Product).where(Product.sku == "T1").values(in_stock=True))
        assert await _version(db) == names_before, "the names' copy is kept"
    finally:
        await db.dispose()


async def _store(url: str, product_name: str) -> tuple[Database, str]:
    """A migrated store with one customer who likes product P1 and has learned to like the
    category `kitchen`; returns it and the customer's CRM id."""
    hub_command(url, "migrate")
    db = Database(url)
    tag = unique()
    profile_id, crm = f"p{tag}"[-32:], f"{tag}"[-12:]
    now = utcnow()
    await _write(
        db,
        insert(Category).values(slug="kitchen", name="Kitchen", position=1),
        insert(Product).values(
            sku="P1", name=product_name, description="", category_slug="kitchen",
            price=Decimal("2"), tags=[], in_stock=True, units_sold=0, updated_at=now,
        ),
        insert(Profile).values(id=profile_id, traits={}, is_known=True, version=1),
        insert(Identifier).values(
            profile_id=profile_id, kind="CRM_ID", value=crm, touchpoint="WEB", created_at=now
        ),
        insert(Preference).values(
            profile_id=profile_id, key="product", value="P1", like=True, weight=1.0,
            touchpoint="WEB", origin="preferences", created_at=now, updated_at=now,
        ),
        insert(Affinity).values(
            profile_id=profile_id, key="category", value="kitchen", score=9.0,
            as_of=now - timedelta(hours=1), views=0, carts=0, purchases=2, returns=0,
            last_touchpoint="WEB", updated_at=now,
        ),
    )  # fmt: skip
    return db, crm


async def _labels(db: Database, crm: str) -> dict[str, str | None]:
    async with db.sessions() as session:
        row, parts = await reading.lookup_with_parts(
            session, IdentifierIn(IdentifierKind.CRM_ID, crm), "GB", [(PREFERENCES,)],
            Weights.from_settings(Settings()), utcnow(),
        )  # fmt: skip
        assert row is not None
        return {view.value: view.label for view in parts[(PREFERENCES, row.id)]}


@pytest.mark.postgres_only
async def test_the_read_labels_from_the_names_as_new_as_itself(make_database) -> None:  # type: ignore[no-untyped-def]
    db, crm = await _store(make_database("labels"), "Jam jar")
    engine = db.engine
    try:
        assert await _labels(db, crm) == {"P1": "Jam jar", "kitchen": "Kitchen"}
        assert names.loads(engine) == 1
        assert await _labels(db, crm) == {"P1": "Jam jar", "kitchen": "Kitchen"}
        assert names.loads(engine) == 1  # the same version: the copy kept

        # Renamed by another writer (another hub, an import): the next read has it.
        await _write(db, text("UPDATE products SET name = 'Jam jar, large' WHERE sku = 'P1'"))
        assert await _labels(db, crm) == {"P1": "Jam jar, large", "kitchen": "Kitchen"}
        assert names.loads(engine) == 2
        await _write(db, update(Category).values(name="Cook & bake"))
        assert await _labels(db, crm) == {"P1": "Jam jar, large", "kitchen": "Cook & bake"}
        assert names.loads(engine) == 3

        # While another read of the process loads the names, this one looks its own up.
        await _write(db, update(Product).values(name="Jam jar, small"))
        copy = names._COPIES[engine]
        copy.loading = True
        try:
            assert await _labels(db, crm) == {"P1": "Jam jar, small", "kitchen": "Cook & bake"}
        finally:
            copy.loading = False
        assert names.loads(engine) == 3
    finally:
        await db.dispose()


@pytest.mark.postgres_only
async def test_two_stores_keep_their_own_names(make_database) -> None:  # type: ignore[no-untyped-def]
    one, crm_one = await _store(make_database("names_a"), "Tea towel")
    other, crm_other = await _store(make_database("names_b"), "Oven glove")
    try:
        # Both stores at the same version, with different names for P1.
        for db in (one, other):
            await _write(db, update(CatalogVersion).values(version=42))
        for _ in range(2):
            assert (await _labels(one, crm_one))["P1"] == "Tea towel"
            assert (await _labels(other, crm_other))["P1"] == "Oven glove"
    finally:
        await one.dispose()
        await other.dispose()
