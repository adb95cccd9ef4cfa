"""A step up: for a product the shopper likes, a pricier one of the same kind."""

from __future__ import annotations

from collections.abc import Sequence

from hub.recs.engine import Catalogue, Ranked, Shopper, blocked

UPSELL_MIN, UPSELL_MAX = 1.25, 4.0


def upsell(
    shopper: Shopper, catalogue: Catalogue, anchors: Sequence[str], limit: int
) -> list[Ranked]:
    """A step up: for a product the shopper likes, a pricier one of the same kind (same
    category, a shared theme when it has one), best sellers first."""
    popularity = catalogue.popularity()
    index = catalogue.by_facet
    arrays = catalogue.arrays
    hidden = blocked(arrays, shopper, True)
    picked: list[Ranked] = []
    taken: set[str] = set()
    for anchor_sku in anchors:
        anchor = catalogue.items.get(anchor_sku)
        if anchor is None or anchor.price <= 0:
            continue
        themes = {f for f in anchor.facets if f[0] == "theme"}
        best: tuple[float, str] | None = None
        for sku in index.get(("category", anchor.category), ()):
            item = catalogue.items[sku]
            if sku in taken or sku == anchor_sku or hidden[arrays.position[sku]]:
                continue
            if not UPSELL_MIN * anchor.price <= item.price <= UPSELL_MAX * anchor.price:
                continue
            if themes and not themes & set(item.facets):
                continue
            score = popularity.get(sku, 0.0)
            if best is None or score > best[0]:
                best = (score, sku)
        if best is not None:
            taken.add(best[1])
            picked.append(Ranked(best[1], round(best[0], 4), "UPSELL", anchor_sku))
        if len(picked) >= limit:
            break
    return picked
