"""Baseline recommenders, ranking from the same purchases the hub learned from.

The backtest (hub/backtest/run.py) scores the served picks against these:
- popularity: the hub's own "popular now" list (hub.recs.model.popular_now);
- frequency buy-again: the customer's own items by number of distinct orders, ties by the most
  recent, padded with the most popular;
- item-kNN: cosine similarity on the customer × item matrix, score = x_u · S;
- EASE (Steck, 2019): closed-form item weights (hub.recs.model.ease_weights), score = x_u · B;
- TIFU-KNN (Hu et al., SIGIR 2020): a customer's baskets, time-decayed within groups of
  baskets and across groups, blended with the mean vector of the nearest customers.
Every method ranks by its score; ties (a score of zero included) go to the more popular item,
then to the SKU, so every list is full. Pure numpy/scipy on a `History`: no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
from scipy import sparse

from hub.recs.model import ease_weights

_BATCH = 256


@dataclass(frozen=True, slots=True)
class Purchase:
    """One purchase line: who bought what, in which order, when."""

    customer: str
    sku: str
    order: str
    at: datetime


class History:
    """Purchases before a cut-off, indexed by customer and item (baskets in time order)."""

    def __init__(self, purchases: Iterable[Purchase], popular: Sequence[str]) -> None:
        rows = sorted(purchases, key=lambda p: (p.at, p.order))
        self.items = sorted({p.sku for p in rows})
        self.index = {sku: i for i, sku in enumerate(self.items)}
        self.customers = sorted({p.customer for p in rows})
        self.row = {c: i for i, c in enumerate(self.customers)}
        orders: dict[str, dict[str, tuple[datetime, set[int]]]] = defaultdict(dict)
        for p in rows:
            orders[p.customer].setdefault(p.order, (p.at, set()))[1].add(self.index[p.sku])
        # Per customer, each order's time and items, oldest first.
        self.baskets = {
            c: [(at, frozenset(items)) for at, items in found.values()]
            for c, found in orders.items()
        }
        self.popularity = np.zeros(len(self.items))
        ranked = [self.index[s] for s in popular if s in self.index]
        self.popularity[ranked] = np.arange(len(ranked), 0, -1, dtype=float)
        self.bought = self._matrix()

    def _matrix(self) -> sparse.csr_matrix:
        """Customers × items: 1 where the customer bought the item."""
        rows, cols = [], []
        for customer, baskets in self.baskets.items():
            owned = set().union(*(items for _, items in baskets))
            rows += [self.row[customer]] * len(owned)
            cols += sorted(owned)
        data = np.ones(len(rows))
        shape = (len(self.customers), len(self.items))
        return sparse.csr_matrix((data, (rows, cols)), shape=shape)

    def owned(self, customer: str) -> set[str]:
        """The SKUs the customer bought before the cut-off."""
        row = self.row.get(customer)
        return set() if row is None else {self.items[i] for i in self.bought[row].indices}

    def rows_of(self, customers: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Matrix rows of the customers in the history, and which of `customers` they are."""
        where = [(k, self.row[c]) for k, c in enumerate(customers) if c in self.row]
        known = np.array([k for k, _ in where], dtype=np.int64)
        rows = np.array([r for _, r in where], dtype=np.int64)
        return rows, known


class Method(Protocol):
    name: str
    params: str

    def fit(self, history: History) -> None: ...

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), items) scores for these history rows."""
        ...


def recommend(
    method: Method,
    history: History,
    customers: Sequence[str],
    k: int = 10,
    new_only: bool = False,
) -> dict[str, list[str]]:
    """Each customer's top `k` SKUs; customers without history get the most popular."""
    result: dict[str, list[str]] = {}
    blank = np.zeros(len(history.items))
    for start in range(0, len(customers), _BATCH):
        batch = customers[start : start + _BATCH]
        rows, known = history.rows_of(batch)
        scores = np.tile(blank, (len(batch), 1))
        if len(rows):
            scores[known] = method.scores(rows)
        for position, customer in enumerate(batch):
            row = history.row.get(customer)
            owned = history.bought[row].indices if new_only and row is not None else None
            best = top_k(scores[position], history.popularity, k, owned)
            result[customer] = [history.items[i] for i in best]
    return result


def top_k(
    scores: np.ndarray, popularity: np.ndarray, k: int, blocked: np.ndarray | None = None
) -> np.ndarray:
    """Indices of the `k` best items by score, ties by popularity, then by index."""
    values = scores.astype(float, copy=True)
    if blocked is not None and len(blocked):
        values[blocked] = -np.inf
    order = np.lexsort((np.arange(len(values)), -popularity, -values))
    chosen: np.ndarray = order[:k]
    kept: np.ndarray = chosen[np.isfinite(values[chosen])]
    return kept


class Popularity:
    name = "popularity"
    params = "the hub's popular-now list: most-bought in the 30 days before the cut-off"

    def fit(self, history: History) -> None:
        self.width = len(history.items)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.zeros((len(rows), self.width))


class BuyAgain:
    """Own items by number of distinct orders, ties by the most recent, then popularity."""

    name = "frequency buy-again"
    params = "own items by distinct orders, ties by most recent, padded with popular"

    def fit(self, history: History) -> None:
        stamps = [at.timestamp() for baskets in history.baskets.values() for at, _ in baskets]
        first = min(stamps, default=0.0)
        span = max(stamps, default=0.0) - first
        rows, cols, data = [], [], []
        for customer, baskets in history.baskets.items():
            orders: dict[int, int] = defaultdict(int)
            last: dict[int, float] = {}
            for at, items in baskets:
                for item in items:
                    orders[item] += 1
                    last[item] = at.timestamp()
            for item, count in orders.items():
                rows.append(history.row[customer])
                cols.append(item)
                # The fraction is < 1, so it only breaks ties between equal order counts.
                data.append(count + 0.999 * (last[item] - first) / (span or 1.0))
        shape = (len(history.customers), len(history.items))
        self.matrix = sparse.csr_matrix((data, (rows, cols)), shape=shape)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.matrix[rows].toarray())


class _ItemItem:
    """x_u · W over the items at least `min_users` customers bought (as the hub's model)."""

    def __init__(self, min_users: int = 3) -> None:
        self.min_users = min_users

    def fit(self, history: History) -> None:
        buyers = np.asarray(history.bought.sum(axis=0)).ravel()
        self.kept = np.flatnonzero(buyers >= self.min_users)
        self.bought = history.bought.tocsc()[:, self.kept].tocsr()
        self.width = len(history.items)
        self.weights = self.train(self.bought)

    def train(self, x: sparse.csr_matrix) -> np.ndarray:
        raise NotImplementedError

    def scores(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), self.width))
        out[:, self.kept] = self.bought[rows] @ self.weights
        return out


class ItemKnn(_ItemItem):
    name = "item-kNN"
    params = "cosine on customer × item, items bought by ≥ 3 customers"

    def train(self, x: sparse.csr_matrix) -> np.ndarray:
        co = (x.T @ x).toarray()
        norms = np.sqrt(np.diag(co))
        norms[norms == 0] = 1.0
        cosine = co / norms[:, None] / norms[None, :]
        np.fill_diagonal(cosine, 0.0)
        weights: np.ndarray = cosine.astype(np.float32)
        return weights


class Ease(_ItemItem):
    name = "EASE"

    def __init__(self, lam: float = 200.0, min_users: int = 3) -> None:
        super().__init__(min_users)
        self.lam = lam
        self.params = f"λ = {lam:g}, items bought by ≥ {min_users} customers"

    def train(self, x: sparse.csr_matrix) -> np.ndarray:
        return ease_weights(x, self.lam)


class TifuKnn:
    """TIFU-KNN: personal item frequency with time decay, blended with user-kNN neighbours.

    A customer's baskets (oldest first) are cut into `groups` runs of near-equal length (the
    longer runs last, as in the authors' code). Within a run of m baskets the j-th counts
    r_b^(m−j); a run is the mean of its decayed baskets; the customer's vector is the mean of
    the runs, the i-th of n weighted r_g^(n−i). A score is α·own + (1 − α)·the mean vector of
    the k nearest customers (Euclidean, the customer left out). Defaults are the paper's
    setting for TaFeng (also cornac's): k 300, r_b 0.9, r_g 0.7, α 0.7, 7 groups.
    """

    name = "TIFU-KNN"

    def __init__(
        self,
        neighbours: int = 300,
        within: float = 0.9,
        across: float = 0.7,
        alpha: float = 0.7,
        groups: int = 7,
    ) -> None:
        self.neighbours, self.within, self.across = neighbours, within, across
        self.alpha, self.groups = alpha, groups
        self.params = (
            f"k = {neighbours}, r_b = {within:g}, r_g = {across:g}, α = {alpha:g}, {groups} groups"
        )

    def fit(self, history: History) -> None:
        rows, cols, data = [], [], []
        for customer, baskets in history.baskets.items():
            for item, value in self.vector([items for _, items in baskets]).items():
                rows.append(history.row[customer])
                cols.append(item)
                data.append(value)
        shape = (len(history.customers), len(history.items))
        self.users = sparse.csr_matrix((data, (rows, cols)), shape=shape, dtype=np.float64)
        self.norms = np.asarray(self.users.multiply(self.users).sum(axis=1)).ravel()

    def vector(self, baskets: Sequence[frozenset[int]]) -> dict[int, float]:
        """One customer's time-decayed item frequencies."""
        out: dict[int, float] = defaultdict(float)
        runs = _runs(len(baskets), self.groups)
        for i, (start, size) in enumerate(runs):
            weight = self.across ** (len(runs) - 1 - i) / len(runs) / size
            for j in range(size):
                for item in baskets[start + j]:
                    out[item] += weight * self.within ** (size - 1 - j)
        return out

    def scores(self, rows: np.ndarray) -> np.ndarray:
        own = self.users[rows]
        products = (own @ self.users.T).toarray()
        distances = self.norms[rows, None] + self.norms[None, :] - 2 * products
        distances[np.arange(len(rows)), rows] = np.inf  # not one's own neighbour
        k = max(1, min(self.neighbours, len(self.norms) - 1))
        nearest = np.argpartition(distances, k - 1, axis=1)[:, :k]
        mean = sparse.csr_matrix(
            (np.full(nearest.size, 1.0 / k), nearest.ravel(), np.arange(0, nearest.size + 1, k)),
            shape=(len(rows), len(self.norms)),
        )
        blended = self.alpha * own + (1 - self.alpha) * (mean @ self.users)
        return np.asarray(blended.toarray())


def _runs(n: int, count: int) -> list[tuple[int, int]]:
    """(start, length) of `count` consecutive runs covering n items, the longer runs last."""
    count = min(count, n)
    if count == 0:
        return []
    base, extra = divmod(n, count)
    sizes = [base] * (count - extra) + [base + 1] * extra
    starts = np.cumsum([0, *sizes[:-1]])
    return [(int(s), z) for s, z in zip(starts, sizes, strict=True)]


def standard(ease_lambda: float = 200.0) -> list[Method]:
    """The backtest's baselines, in the order its tables show them."""
    return [Popularity(), BuyAgain(), ItemKnn(), Ease(ease_lambda), TifuKnn()]
