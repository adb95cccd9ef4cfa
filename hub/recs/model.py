"""Collaborative item models trained from purchase baskets.

EASE (Steck, 2019: "Embarrassingly Shallow Autoencoders") is the model that serves: a closed-form
item-item weight matrix B = -P / diag(P) with P = (XᵀX + λI)⁻¹, kept as each item's strongest
neighbours. Item-item cosine kNN is trained the same way for comparison (bench/recs_eval.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse

TOP_K = 100


@dataclass
class ItemModel:
    kind: str
    neighbors: dict[str, list[tuple[str, float]]]
    popular: list[str] = field(default_factory=list)
    params: dict[str, float] = field(default_factory=dict)
    n_users: int = 0
    trained_at: datetime | None = None


def _matrix(
    baskets: Mapping[str, Iterable[str]], min_users: int
) -> tuple[sparse.csr_matrix, list[str]]:
    counts: Counter[str] = Counter()
    for items in baskets.values():
        counts.update(set(items))
    items = sorted(sku for sku, n in counts.items() if n >= min_users)
    index = {sku: i for i, sku in enumerate(items)}
    rows, cols = [], []
    for row, basket in enumerate(baskets.values()):
        for sku in set(basket):
            col = index.get(sku)
            if col is not None:
                rows.append(row)
                cols.append(col)
    data = np.ones(len(rows), dtype=np.float64)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(baskets), len(items)))
    return matrix, items


def _top_neighbors(
    weights: np.ndarray, items: list[str], top_k: int
) -> dict[str, list[tuple[str, float]]]:
    np.fill_diagonal(weights, 0.0)
    k = min(top_k, max(1, len(items) - 1))
    result: dict[str, list[tuple[str, float]]] = {}
    for i, sku in enumerate(items):
        row = weights[i]
        best = np.argpartition(-row, k - 1)[:k] if len(items) > k else np.arange(len(items))
        best = best[np.argsort(-row[best])]
        result[sku] = [(items[j], float(row[j])) for j in best if row[j] > 0]
    return result


def train_ease(
    baskets: Mapping[str, Iterable[str]],
    lam: float = 250.0,
    min_users: int = 3,
    top_k: int = TOP_K,
) -> ItemModel:
    x, items = _matrix(baskets, min_users)
    gram = (x.T @ x).toarray()
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)
    # B[i, j]: how much buying i says about j; neighbours of i are its strongest j.
    return ItemModel(
        "ease",
        _top_neighbors(b, items, top_k),
        params={"lambda": lam, "min_users": min_users},
        n_users=x.shape[0],
    )


def train_item_knn(
    baskets: Mapping[str, Iterable[str]], min_users: int = 3, top_k: int = TOP_K
) -> ItemModel:
    x, items = _matrix(baskets, min_users)
    co = (x.T @ x).toarray()
    norms = np.sqrt(np.diag(co))
    norms[norms == 0] = 1.0
    cosine = co / norms[:, None] / norms[None, :]
    return ItemModel(
        "item_knn",
        _top_neighbors(cosine, items, top_k),
        params={"min_users": min_users},
        n_users=x.shape[0],
    )


def popular_now(
    purchases: Iterable[tuple[str, datetime]], window_days: int = 30, limit: int = 500
) -> list[str]:
    """Best sellers of the last `window_days` before the newest purchase in the data, so a
    store whose data stops years ago still has an answer."""
    rows = list(purchases)
    if not rows:
        return []
    newest = max(at for _, at in rows)
    since = newest - timedelta(days=window_days)
    counts = Counter(sku for sku, at in rows if at >= since)
    return [sku for sku, _ in counts.most_common(limit)]
