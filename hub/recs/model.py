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
    out_of_season: list[str] = field(default_factory=list)  # see `out_of_season` below
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


# The season ahead of the newest purchase, looked up a year before it (`out_of_season`).
SEASON_DAYS = 182
OUT_OF_SEASON_SHARE = 0.25  # of an even spread over the year
SEASON_MIN_LINES = 20  # purchase lines in the year: less says nothing about a season


def out_of_season(
    purchases: Iterable[tuple[str, datetime]],
    category_of: Mapping[str, str] | None = None,
    days: int = SEASON_DAYS,
    share: float = OUT_OF_SEASON_SHARE,
    min_lines: int = SEASON_MIN_LINES,
) -> list[str]:
    """Items whose coming `days` were dead the year before, sorted: of the purchase lines in
    the year up to the newest purchase, under `share` of an even spread fell in the same
    `days` one year earlier — a Christmas bauble in December, bought all autumn and hardly ever
    from Christmas to June. On the demo data, of the items bought in December 2009 that this
    names in December 2010, 1.4 % were bought again by the same customer by June 2010; of the
    others, 27 % (in-sample: the rule reads those months; docs/performance.md).

    An item on sale when that window opened, with `min_lines` lines in the year, is judged by
    its own lines; one launched since (this year's Christmas designs) by its category's, when
    the category was on sale then and has the lines. Nothing before a year of history: a
    season cannot be told from a trend."""
    rows = list(purchases)
    if not rows:
        return []
    newest = max(at for _, at in rows)
    opens = newest - timedelta(days=365)
    if min(at for _, at in rows) > opens:
        return []
    closes = opens + timedelta(days=days)
    on_sale_by = opens + timedelta(days=14)
    category_of = category_of or {}
    # Counted by item ("item", sku) and by category ("category", slug).
    year: Counter[tuple[str, str]] = Counter()
    ahead: Counter[tuple[str, str]] = Counter()
    on_sale: set[tuple[str, str]] = set()
    for sku, at in rows:
        keys = [("item", sku)]
        if sku in category_of:
            keys.append(("category", category_of[sku]))
        if at <= on_sale_by:
            on_sale.update(keys)
        if at >= opens:
            for key in keys:
                year[key] += 1
                if at < closes:
                    ahead[key] += 1
    even = days / 365

    def dead(key: tuple[str, str]) -> bool | None:
        if key not in on_sale or year[key] < min_lines:
            return None  # nothing to tell from
        return ahead[key] < share * even * year[key]

    found = []
    for kind, sku in year:
        if kind != "item":
            continue
        verdict = dead((kind, sku))
        if verdict is None and (kind, sku) not in on_sale and sku in category_of:
            verdict = dead(("category", category_of[sku]))
        if verdict:
            found.append(sku)
    return sorted(found)


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
