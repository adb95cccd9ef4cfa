"""The ranking rule behind Profile.recommendations, kept pure so that the offline benchmark
(bench/recs_eval.py) runs exactly the code that serves.

score(j) = COLLAB·collaborative(j) + R·rebuy(j) + I·interest(j) + POPULAR·popular(j),
R = REBUY · min(1, 2 · repeat share), I = INTEREST + COLD_INTEREST / (1 + products in history)

- collaborative: Σ over the shopper's products i of w_i · B[i, j] (EASE weights), w_i = 1 for
  anything bought, log(1 + score) up to 1 for things only looked at; normalised so the best
  candidate scores 1;
- rebuy: what they bought before (hub/recs/habits.py: orders of it, each fading over a year,
  so a staple outranks a one-off), normalised so their strongest habit scores 1; weighed by
  how much of what they buy is a repeat, so a customer who never re-buys gets few such slots;
  a one-off bought or looked at within the cool-down is not shown again so soon;
- interest: stated and learned category/theme strengths (a stated like counts 1);
- popular: rank in "popular now".
Returned items and anything disliked are never shown; out-of-stock items are not candidates.
A list holds at most MAX_CATEGORY_SHARE of one category and, of things new to the shopper, at
most MAX_PER_FAMILY of one product family (hub/recs/families.py: one design in many colours).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np

from hub.preferences.facts import LearnedFacts
from hub.preferences.learning import Interest, decayed, strength
from hub.preferences.models import Affinity
from hub.preferences.views import StatedLike
from hub.recs.arrays import Arrays
from hub.recs.habits import Habit, habits_from, repeat_share
from hub.recs.model import ItemModel
from hub.recs.ranker import LearnedRanker, Order, orders_from

# Weights chosen with the rolling-origin backtest (`rapport-hub backtest`; docs/performance.md).
COLLAB = 0.5
REBUY = 1.0
DISCOVERY_BACKGROUND = 0.2
INTEREST = 0.05
# A shopper with little history (a kiosk visit) is told apart by interests, not by best sellers.
COLD_INTEREST = 0.5
POPULAR = 0.02
COOL_DOWN = timedelta(days=7)
# At most this share of a list from one category (diversity, tuned with the benchmark).
MAX_CATEGORY_SHARE = 0.8
MAX_PER_FAMILY = 2
VISIT_SLOTS = 3  # of a learned list, places for what goes with what they just looked at
LEADS = 1e9
COLLAB_CANDIDATES = 300
WHY = ("COLLABORATIVE", "REBUY", "INTEREST", "POPULAR")  # the parts of a score, in order


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    name: str
    category: str
    facets: tuple[tuple[str, str], ...]
    price: float = 0.0


@dataclass(frozen=True)
class Catalogue:
    items: dict[str, Item]
    popular: list[str]

    @cached_property
    def by_facet(self) -> dict[tuple[str, str], list[str]]:
        """Skus per facet (category, theme), built once per catalogue snapshot."""
        index: dict[tuple[str, str], list[str]] = defaultdict(list)
        for item in self.items.values():
            for facet in item.facets:
                index[facet].append(item.sku)
        return dict(index)

    def popularity(self) -> dict[str, float]:
        n = max(len(self.popular), 1)
        return {sku: 1.0 - rank / n for rank, sku in enumerate(self.popular)}

    @cached_property
    def arrays(self) -> Arrays:
        """The catalogue as arrays, so that a ranking scores every item at once."""
        return Arrays.build(self)


@dataclass
class Shopper:
    """What we know of one shopper, as the ranking needs it."""

    products: dict[str, float] = field(default_factory=dict)  # sku → collaborative weight
    bought: dict[str, float] = field(default_factory=dict)  # sku → rebuy strength
    recent: set[str] = field(default_factory=set)  # bought within the cool-down
    facets: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict)
    excluded: set[tuple[str, str]] = field(default_factory=set)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    habits: dict[str, Habit] = field(default_factory=dict)  # sku → repeat-purchase habit
    repeat_share: float = 0.5  # of what they buy after a first order, the share re-bought
    orders: list[Order] = field(default_factory=list)  # their purchases, one per moment
    visit: set[str] = field(default_factory=set)  # looked at in this visit, not bought
    liked: set[str] = field(default_factory=set)  # products they told us they like
    now: datetime | None = None

    @property
    def is_cold(self) -> bool:
        return not self.products and not self.facets


@dataclass(frozen=True)
class Ranked:
    sku: str
    score: float
    why: str  # COLLABORATIVE, REBUY, INTEREST, POPULAR
    because: str  # the product sku or facet label the reason names


def shopper_from(
    interests: Iterable[LearnedFacts | Affinity | Interest],
    stated: Iterable[StatedLike],
    half_life_seconds: float,
    now: datetime | None = None,
    purchases: Sequence[tuple[str, datetime]] | None = None,
    returns: Mapping[str, int] | None = None,
) -> Shopper:
    """The shopper from learned interests and stated preferences; with `purchases` (sku,
    moment), their repeat-purchase habits set what they would buy again; with `returns` (sku
    → stored return lines), what they sent back as often as they bought it is never shown."""
    rows = list(interests)
    shopper = Shopper()
    # Read from the stored events, not from learning: a return made while PERSONALIZATION
    # was withdrawn was never learned, yet the habits above count every stored purchase.
    # Holding back what someone sent back protects them; it learns nothing about them.
    sent_back = sent_back_of(purchases or (), returns or {})
    anchor = now or max((a.as_of for a in rows), default=None)
    if purchases is not None and anchor is not None:
        shopper.habits = habits_from(purchases, anchor)
        shopper.orders = orders_from(purchases)
        shopper.repeat_share = repeat_share(shopper.orders)
    shopper.now = anchor
    for a in rows:
        score = decayed(a.score, a.as_of, anchor, half_life_seconds) if anchor else a.score
        if a.key == "product":
            # What a customer bought says what goes with their taste even if they sent it
            # back (so it feeds the collaborative part at full weight), but a returned item
            # itself is not shown again while it was sent back as often as it was bought (in
            # part counts: four bought, one sent back); a staple bought again since can come
            # back. Views count by how often, up to a purchase.
            shopper.products[a.value] = 1.0 if a.purchases else min(1.0, math.log1p(max(score, 0)))
            if a.value in sent_back or (
                a.returns and (score <= 0 or a.returns >= (a.purchases or 0))
            ):
                shopper.excluded.add(("product", a.value))
                continue
            habit = shopper.habits.get(a.value)
            if habit is not None:
                shopper.bought[a.value] = habit.strength
            elif a.purchases and purchases is None:
                shopper.bought[a.value] = math.log1p(max(score, 0.0))
            habitual = habit is not None and habit.orders >= 2
            just_now = anchor and a.as_of >= anchor - COOL_DOWN
            if just_now and not habitual and (a.purchases or a.views or a.carts):
                shopper.recent.add(a.value)  # just bought or just looked at: show something else
                if not a.purchases:
                    shopper.visit.add(a.value)
        elif score > 0:
            shopper.facets[(a.key, a.value)] = (strength(score), "IMPLICIT")
    for pref in stated:
        facet = (pref.key, pref.value)
        if not pref.like:
            shopper.excluded.add(facet)
            shopper.facets.pop(facet, None)
        elif pref.key in ("category", "theme"):
            shopper.facets[facet] = (1.0, "EXPLICIT")
        elif pref.key == "product":
            shopper.products[pref.value] = max(shopper.products.get(pref.value, 0.0), 1.0)
            shopper.liked.add(pref.value)
    shopper.excluded.update(("product", sku) for sku in sent_back)
    return shopper


def sent_back_of(purchases: Iterable[tuple[str, datetime]], returns: Mapping[str, int]) -> set[str]:
    """The products returned in as many lines as they were bought in (a staple bought again
    since a return is kept)."""
    if not returns:
        return set()
    bought = Counter(sku for sku, _ in purchases)
    return {sku for sku, n in returns.items() if n > 0 and n >= bought[sku]}


def rank(
    shopper: Shopper,
    model: ItemModel | None,
    catalogue: Catalogue,
    first: int,
    *,
    exclude_owned: bool = False,
    learned: LearnedRanker | None = None,
) -> list[Ranked]:
    """The best `first` items for the shopper, with why. With a `learned` re-ranker and a
    purchase history, it orders its candidates (hub/recs/ranker.py) and the blend below only
    orders the rest and says why; what they looked at in this visit still leads."""
    if first <= 0:
        return []
    items = catalogue.items
    arrays = catalogue.arrays
    collab = np.zeros(len(arrays.skus))  # per catalogue item, its collaborative score
    top_collab = 1.0
    history: list[tuple[int, float]] = []
    if model is not None:
        history = [
            (model.index[s], w) for s, w in shopper.products.items() if w > 0 and s in model.index
        ]
    # Each product's model row and its strength, exactly as given (the reasons weigh them so).
    said = (
        np.fromiter((i for i, _ in history), dtype=np.int64, count=len(history)),
        np.fromiter((w for _, w in history), dtype=np.float64, count=len(history)),
    )
    if model is not None and history:
        rows, strengths = said
        scores = strengths.astype(np.float32) @ model.weights[rows]
        # Enough candidates that owned and just-bought items, filtered later, leave plenty.
        wanted = min(COLLAB_CANDIDATES + len(history) + len(shopper.recent), len(scores) - 1)
        best = np.argpartition(-scores, wanted)[:wanted]
        best = best[scores[best] > 0]
        if best.size:
            # The strongest over every candidate, in the catalogue now or not.
            top_collab = float(scores[best].max())
            at = _positions(model, arrays)[best]
            known = at >= 0
            collab[at[known]] = scores[best[known]]
    top_rebuy = max(shopper.bought.values(), default=0.0) or 1.0
    rebuy = REBUY * min(1.0, 2 * shopper.repeat_share)
    interest = INTEREST + COLD_INTEREST / (1 + len(shopper.products))
    if exclude_owned and history:
        # Discovery for someone with a history: what goes with it leads; their categories
        # and what is popular only break near-ties.
        interest *= DISCOVERY_BACKGROUND

    # Every item is scored at once; candidates are the collaborative ones, what they bought,
    # what is popular and what carries a facet they like.
    parts = np.vstack(
        [
            COLLAB * collab / top_collab,
            rebuy * arrays.vector(shopper.bought) / top_rebuy,
            interest * arrays.per_facet({f: s for f, (s, _) in shopper.facets.items()}),
            (POPULAR * (DISCOVERY_BACKGROUND if exclude_owned and history else 1.0))
            * arrays.popularity,
        ]
    )
    bought = arrays.mask(shopper.bought)
    candidates = (collab > 0) | bought | arrays.popular
    candidates |= arrays.per_facet(dict.fromkeys(shopper.facets, 1.0)) > 0
    key = _learned_key(shopper, model, learned, arrays, exclude_owned)
    # With the learned order, a one-off bought this week may come back when the model says it
    # will (wholesale buyers re-order within days); what they looked at never does.
    held_back = shopper.recent if key is None else shopper.visit
    chosen = np.flatnonzero(candidates & ~blocked(arrays, shopper, exclude_owned, held_back))
    totals = parts[0] + parts[1] + parts[2] + parts[3]
    order = [arrays.sku_order[chosen], -totals[chosen]]
    if key is not None:
        order.append(-key[chosen])
    late = _out_of_season(model, arrays) if history else None
    if late is not None:
        # For someone with a history, out of season (a bauble after Christmas) after
        # everything in season, whatever its score; what goes with what they are looking at
        # right now keeps its place, and so does "popular in store now" for a passer-by.
        order.append(late[chosen] & (key[chosen] < LEADS) if key is not None else late[chosen])

    picked: list[Ranked] = []
    per_category: dict[int, int] = defaultdict(int)
    per_family: dict[int, int] = defaultdict(int)
    cap = max(1, math.ceil(MAX_CATEGORY_SHARE * first))
    for i in _in_order(chosen, order, late is not None, max(4 * first, 64)):
        category, family = int(arrays.category[i]), int(arrays.family[i])
        if per_category[category] >= cap:
            continue
        if not bought[i]:  # their own staples may share a family; new things may not
            if per_family[family] >= MAX_PER_FAMILY:
                continue
            per_family[family] += 1
        per_category[category] += 1
        sku = arrays.skus[i]
        each = parts[:, i].tolist()
        strongest = max(each)
        if strongest <= 0:
            why = "POPULAR"
        elif bought[i]:
            why = "REBUY"  # their own purchase is the reason a person understands best
        else:
            why = WHY[each.index(strongest)]  # the first of equals, in the order of WHY
        because = (
            _top_contributor(model, said, sku)
            if why == "COLLABORATIVE"
            else _top_facet(items[sku], shopper)
            if why == "INTEREST"
            else sku
        )
        picked.append(Ranked(sku, round(float(totals[i]), 4), why, because))
        if len(picked) >= first:
            break
    return picked


def _in_order(
    chosen: np.ndarray, order: list[np.ndarray], flagged: bool, head: int
) -> Iterator[int]:
    """`chosen` in the order `np.lexsort(order)` gives (its last key first), sorted a part at
    a time: the list stops after a few dozen items, so the best `head` or so of each group are
    sorted first and the rest only if the list reaches them. With `flagged` the last key is a
    flag that sends items after all others; the key before it leads within each group."""
    groups = [~order[-1], order[-1]] if flagged else [np.ones(len(chosen), dtype=bool)]
    keys = order[:-1] if flagged else order
    for group in groups:
        members = np.flatnonzero(group)
        if len(members) > head:
            lead = keys[-1][members]
            cut = np.partition(lead, head - 1)[head - 1]
            parts = [members[lead <= cut], members[lead > cut]]  # every tie goes with the head
        else:
            parts = [members]
        for part in parts:
            yield from chosen[part[np.lexsort([k[part] for k in keys])]].tolist()


def _out_of_season(model: ItemModel | None, arrays: Arrays) -> np.ndarray | None:
    """Per item, whether the model found it out of season (`model.out_of_season`); None
    when none is."""
    if model is None or not model.out_of_season:
        return None
    return _per_catalogue(model, arrays, "_late", lambda: arrays.mask(model.out_of_season))


def _positions(model: ItemModel, arrays: Arrays) -> np.ndarray:
    """Per model item, its place in the catalogue's arrays (−1 when it is not on sale now)."""
    return _per_catalogue(
        model,
        arrays,
        "_positions",
        lambda: np.fromiter(
            (arrays.position.get(s, -1) for s in model.items),
            dtype=np.int64,
            count=len(model.items),
        ),
    )


def _per_catalogue(
    model: ItemModel, arrays: Arrays, name: str, make: Callable[[], np.ndarray]
) -> np.ndarray:
    """`make()`, kept on the model under `name` for as long as the catalogue is `arrays`:
    made once per model and catalogue snapshot."""
    made = model.__dict__.get(name)
    if made is None or made[0] is not arrays:
        made = model.__dict__[name] = (arrays, make())
    found: np.ndarray = made[1]
    return found


def _learned_key(
    shopper: Shopper,
    model: ItemModel | None,
    learned: LearnedRanker | None,
    arrays: Arrays,
    new_only: bool,
) -> np.ndarray | None:
    """Per item, the learned order (−inf for the items it did not rank); what goes with what
    they looked at in this visit takes up to VISIT_SLOTS places ahead of it."""
    if learned is None or model is None or new_only or shopper.now is None:
        return None
    key = learned.key(shopper.orders, shopper.now, model, arrays.position, len(arrays.skus))
    if key is None or not shopper.visit:
        return key
    looked = [model.index[s] for s in shopper.visit if s in model.index]
    if looked:
        goes_with = model.weights[np.asarray(looked)].sum(axis=0)
        best = np.argsort(-goes_with)[:VISIT_SLOTS]
        for j in best[goes_with[best] > 0]:
            if (i := arrays.position.get(model.items[int(j)])) is not None:
                key[i] = LEADS + float(goes_with[j])
    return key


def _top_contributor(
    model: ItemModel | None, history: tuple[np.ndarray, np.ndarray], sku: str
) -> str:
    """The product in the shopper's history (model rows, strengths) that says most for `sku`
    (the reason names it; the first of equals)."""
    assert model is not None
    rows, strengths = history
    return model.items[int(rows[np.argmax(strengths * model.weights[rows, model.index[sku]])])]


def blocked(
    arrays: Arrays, shopper: Shopper, exclude_owned: bool, held_back: set[str] | None = None
) -> np.ndarray:
    """Per item: never shown to this shopper (returned or disliked, or carrying a disliked
    category or theme), not so soon (`held_back`, by default what they just bought or looked
    at), or owned when they want new."""
    blocked: np.ndarray = (
        arrays.per_facet({f: 1.0 for f in shopper.excluded if f[0] != "product"}) > 0
    )
    blocked |= arrays.mask(s for kind, s in shopper.excluded if kind == "product")
    blocked |= arrays.mask(shopper.recent if held_back is None else held_back)
    if exclude_owned:
        blocked |= arrays.mask(shopper.bought)
    return blocked


def _top_facet(item: Item, shopper: Shopper) -> str:
    best = max(item.facets, key=lambda f: shopper.facets.get(f, (0.0, ""))[0])
    return f"{best[0]}:{best[1]}"


def items_from(
    rows: Sequence[tuple[str, str, str, Sequence[str]]], prices: dict[str, float] | None = None
) -> dict[str, Item]:
    """(sku, name, category, tags) rows → catalogue items."""
    prices = prices or {}
    return {
        sku: Item(
            sku,
            name,
            category,
            (("category", category), *(("theme", t) for t in tags)),
            prices.get(sku, 0.0),
        )
        for sku, name, category, tags in rows
    }
