"""The catalogue's names, kept by each hub process for reads that label many products and
categories at once (the profile read's preferences), instead of a lookup in every read.

A copy is only ever used for a read that saw the same `catalog_versions.version` — the counter
that triggers move with every write that can change a name (migration f3a5c7e9b1d2) — so a
rename committed before a read is in that read's labels on every hub, as when each read looked
the names up itself. The reader asks for its version in its own statement (`VERSION`); a copy
made at another version is loaded again (the version first, then the names, each a statement
on its own snapshot: the names are at least as new as the version they are kept under).

One copy per engine: a process may serve several stores (tests) or read from a primary and its
standbys, whose counters are their own. While one read loads a copy, the others of the process
get None and look their few names up themselves, so a changing catalogue costs one load at a
time, never one a read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Dialect, select

from hub import reads
from hub.catalog.models import CatalogVersion, Category, Product

VERSION = select(CatalogVersion.version).where(CatalogVersion.id == 1)
_LOAD = (VERSION, select(Product.sku, Product.name), select(Category.slug, Category.name))


@dataclass(frozen=True, slots=True)
class Names(Mapping[tuple[str, str], str]):
    """The names at one version, by ("product", sku) and ("category", slug): the mapping a
    read's labels are."""

    version: int
    products: Mapping[str, str]
    categories: Mapping[str, str]

    def _of(self, facet: str) -> Mapping[str, str]:
        if facet == "product":
            return self.products
        return self.categories if facet == "category" else {}

    def __getitem__(self, key: tuple[str, str]) -> str:
        return self._of(key[0])[key[1]]

    def get(self, key: tuple[str, str], default: Any = None) -> Any:  # without a KeyError
        return self._of(key[0]).get(key[1], default)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        yield from (("product", sku) for sku in self.products)
        yield from (("category", slug) for slug in self.categories)

    def __len__(self) -> int:
        return len(self.products) + len(self.categories)


@dataclass(slots=True)
class _Copy:
    names: Names | None = None
    loading: bool = False
    loads: int = 0  # how many times it was loaded (tests, diagnostics)


_COPIES: WeakKeyDictionary[Any, _Copy] = WeakKeyDictionary()


def loads(engine: Any) -> int:
    """How many times this process loaded the names of `engine`'s store."""
    copy = _COPIES.get(engine)
    return copy.loads if copy is not None else 0


async def as_of(engine: Any, version: int | None, driver: Any, dialect: Dialect) -> Names | None:
    """The names for a read that saw `version`, from the copy kept for `engine` or loaded now
    on the read's `driver`; None when the store has no version (a schema made without the
    migrations) or another read of this process is loading them."""
    if version is None:
        return None
    copy = _COPIES.get(engine)
    if copy is None:
        copy = _COPIES[engine] = _Copy()
    names = copy.names
    if names is not None and names.version == version:
        return names
    if copy.loading:
        return None
    copy.loading = True
    try:
        copy.names = await _load(driver, dialect)
        copy.loads += 1
    finally:
        copy.loading = False
    return copy.names  # as new as the read's version, or newer


async def _load(driver: Any, dialect: Dialect) -> Names | None:
    version, products, categories = await reads.on_driver(
        (driver, dialect), [(statement, {}) for statement in _LOAD]
    )
    if not version:
        return None
    return Names(
        version=version[0][0],
        products={sku: name for sku, name in products},
        categories={slug: name for slug, name in categories},
    )
