from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow


class Category(Base):
    __tablename__ = "categories"

    slug: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_slug: Mapped[str] = mapped_column(
        String(50), ForeignKey("categories.slug"), index=True
    )
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    in_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    units_sold: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CatalogVersion(Base):
    """Row 1's `version` moves with every write that can change a product's or a category's
    name (triggers, migration f3a5c7e9b1d2): what a copy of the names is as new as
    (`hub/catalog/names.py`). Row 2's moves with every change of a product's stock, price,
    category or tags (migration c7e9a1b3d5f2): with row 1, what the recommendations' catalogue
    snapshot is as new as (`hub/recs/service.py`)."""

    __tablename__ = "catalog_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
