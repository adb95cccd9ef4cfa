"""A catalogue snapshot as numpy arrays (per item: order, category, popularity, family,
facets), built once per snapshot so that a ranking scores every item at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from hub.recs.families import family_of

if TYPE_CHECKING:
    from hub.recs.engine import Catalogue


@dataclass(frozen=True)
class Arrays:
    """The catalogue as arrays, so that a ranking scores every item at once."""

    skus: list[str]
    position: dict[str, int]
    sku_order: np.ndarray  # each item's place in sku order (ties are broken by sku)
    category: np.ndarray  # category code per item
    popularity: np.ndarray  # 1 for the best seller down to 0; 0 when not popular
    popular: np.ndarray  # bool: in "popular now"
    family: np.ndarray  # product-family code per item
    facet_column: dict[tuple[str, str], int]
    facets: sparse.csr_matrix  # items × facets, how often the item carries the facet

    @staticmethod
    def build(catalogue: Catalogue) -> Arrays:
        skus = list(catalogue.items)
        position = {sku: i for i, sku in enumerate(skus)}
        order = np.empty(len(skus), dtype=np.int64)
        order[np.argsort(np.array(skus, dtype=object), kind="stable")] = np.arange(len(skus))
        categories: dict[str, int] = {}
        category = np.fromiter(
            (categories.setdefault(catalogue.items[s].category, len(categories)) for s in skus),
            dtype=np.int64,
            count=len(skus),
        )
        popularity = np.zeros(len(skus))
        popular = np.zeros(len(skus), dtype=bool)
        for sku, value in catalogue.popularity().items():
            if (i := position.get(sku)) is not None:
                popularity[i], popular[i] = value, True
        columns: dict[tuple[str, str], int] = {}
        rows, cols = [], []
        for i, sku in enumerate(skus):
            for facet in catalogue.items[sku].facets:
                rows.append(i)
                cols.append(columns.setdefault(facet, len(columns)))
        matrix = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(skus), max(len(columns), 1))
        )
        families: dict[str, int] = {}
        family = np.fromiter(
            (families.setdefault(family_of(catalogue.items[s].name), len(families)) for s in skus),
            dtype=np.int64,
            count=len(skus),
        )
        return Arrays(skus, position, order, category, popularity, popular, family, columns, matrix)

    def vector(self, values: dict[str, float]) -> np.ndarray:
        """A per-item vector from sku → value (skus outside the catalogue are left out)."""
        out = np.zeros(len(self.skus))
        for sku, value in values.items():
            if (i := self.position.get(sku)) is not None:
                out[i] = value
        return out

    def mask(self, skus: Iterable[str]) -> np.ndarray:
        out = np.zeros(len(self.skus), dtype=bool)
        out[[i for s in skus if (i := self.position.get(s)) is not None]] = True
        return out

    def per_facet(self, facets: dict[tuple[str, str], float]) -> np.ndarray:
        """Σ over each item's facets of the given facet values."""
        if not facets:  # most shoppers dislike nothing: no product to multiply out
            return np.zeros(self.facets.shape[0])
        weights = np.zeros(self.facets.shape[1])
        for facet, value in facets.items():
            if (column := self.facet_column.get(facet)) is not None:
                weights[column] = value
        result: np.ndarray = self.facets @ weights
        return result
