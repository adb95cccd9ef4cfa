"""Collaborative item models trained from purchase baskets.

EASE (Steck, 2019: "Embarrassingly Shallow Autoencoders") is the model that serves: a closed-form
item-item weight matrix B = -P / diag(P) with P = (XᵀX + λI)⁻¹, kept whole (negative weights
included: they are part of why it ranks well) as float32. Item-item cosine kNN is trained the
same way for comparison in bench/recs_eval.py.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse


@dataclass
class ItemModel:
    kind: str
    items: list[str]
    weights: np.ndarray  # (n_items, n_items): row i says how much buying i predicts each j
    popular: list[str] = field(default_factory=list)
    params: dict[str, float] = field(default_factory=dict)
    n_users: int = 0
    trained_at: datetime | None = None
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {sku: i for i, sku in enumerate(self.items)}

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, weights=self.weights.astype(np.float32))
        return buffer.getvalue()

    @staticmethod
    def weights_from(blob: bytes) -> np.ndarray:
        with np.load(io.BytesIO(blob)) as data:
            weights: np.ndarray = data["weights"]
        return weights


def baskets_matrix(
    baskets: Mapping[str, Iterable[str]], min_users: int = 3
) -> tuple[sparse.csr_matrix, list[str]]:
    """Customers × items (bought at all: 1), keeping items at least `min_users` bought."""
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


def ease_weights(x: sparse.csr_matrix, lam: float) -> np.ndarray:
    gram = (x.T @ x).toarray()
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    weights: np.ndarray = b.astype(np.float32)
    return weights


def train_ease(
    baskets: Mapping[str, Iterable[str]], lam: float = 500.0, min_users: int = 3
) -> ItemModel:
    x, items = baskets_matrix(baskets, min_users)
    return ItemModel(
        "ease",
        items,
        ease_weights(x, lam),
        params={"lambda": lam, "min_users": min_users},
        n_users=x.shape[0],
    )


def train_item_knn(baskets: Mapping[str, Iterable[str]], min_users: int = 3) -> ItemModel:
    x, items = baskets_matrix(baskets, min_users)
    co = (x.T @ x).toarray()
    norms = np.sqrt(np.diag(co))
    norms[norms == 0] = 1.0
    cosine = co / norms[:, None] / norms[None, :]
    np.fill_diagonal(cosine, 0.0)
    return ItemModel(
        "item_knn",
        items,
        cosine.astype(np.float32),
        params={"min_users": min_users},
        n_users=x.shape[0],
    )


def popular_now(
    purchases: Iterable[tuple[str, datetime]], window_days: int = 30, limit: int = 500
) -> list[str]:
    """Best sellers of the last `window_days` before the newest purchase in the data (so a
    store whose data stops years ago still has an answer), then of three times and twelve
    times that, then of all time, until there are `limit`: a quiet month (or a few purchases
    far newer than the rest) never leaves shoppers with a list of two."""
    rows = list(purchases)
    if not rows:
        return []
    newest = max(at for _, at in rows)
    ranked: dict[str, None] = {}
    for days in (window_days, 3 * window_days, 12 * window_days, None):
        since = newest - timedelta(days=days) if days is not None else None
        counts = Counter(sku for sku, at in rows if since is None or at >= since)
        for sku, _ in counts.most_common():
            ranked.setdefault(sku)
            if len(ranked) >= limit:
                return list(ranked)
    return list(ranked)
