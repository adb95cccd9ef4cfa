from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from hub.catalog.demo_data import ProductRow, read_catalog
from hub.catalog.taxonomy import CATEGORIES, FALLBACK, categorize, derive_themes, tags_for

REAL_FILE = (
    Path(__file__).parents[2] / ".." / "shared" / "data" / "online_retail_ii_2009_2010.csv.gz"
)


@pytest.fixture(scope="module")
def catalog() -> list[ProductRow]:
    if not REAL_FILE.exists():
        pytest.fail(f"demo data not found at {REAL_FILE} (the repo sits beside shared/)")
    return read_catalog(REAL_FILE)


@pytest.mark.parametrize(
    ("description", "slug"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "candles-lights"),
        ("JUMBO BAG RED RETROSPOT", "bags"),
        ("GREEN REGENCY TEACUP AND SAUCER", "tableware"),
        ("REGENCY CAKESTAND 3 TIER", "tableware"),
        ("15CM CHRISTMAS GLASS BALL 20 LIGHTS", "christmas"),  # occasion before lights
        ("SET/6 RED SPOTTY PAPER CUPS", "tableware"),
        ("SET/2 RED SPOTTY TEA TOWELS ", "kitchen-baking"),  # plural of a phrase keyword
        ("PACK OF 72 RETRO SPOT CAKE CASES", "kitchen-baking"),
        ("RING OF ROSES BIRTHDAY CARD", "cards-wrap"),  # a card, not a ring
        ("BLACK DIAMANTE EXPANDABLE RING", "jewellery-accessories"),
        ("BATHROOM SCALES RUBBER DUCKS", "bath-beauty"),
        ("VINTAGE SNAKES & LADDERS", "kids-party"),
        ("ENGLISH ROSE GARDEN SECATEURS", "garden"),
        ("12 PENCILS TALL TUBE POSY", "stationery"),
        ("EASTER TIN BUCKET", "easter"),
        ("ROSES REGENCY TEACUP AND SAUCER ", "tableware"),
        ("CREAM SWEETHEART WALL CABINET", "bags"),
        ("HEART OF WICKER SMALL", "gifts"),
        ("Hypochondriac Pill Stress Ball", "gifts"),
        ("CARDHOLDER GINGHAM STAR", "gifts"),  # CARD only as a whole word
        ("", "gifts"),
    ],
)
def test_categorize_real_descriptions(description: str, slug: str) -> None:
    assert categorize(description).slug == slug


def test_categories_are_a_small_taxonomy_with_unique_slugs() -> None:
    slugs = [c.slug for c in (*CATEGORIES, FALLBACK)]
    assert 10 <= len(slugs) <= 14
    assert len(set(slugs)) == len(slugs)
    assert FALLBACK not in CATEGORIES
    assert FALLBACK.keywords == ()
    assert all(c.name and c.keywords for c in CATEGORIES)


def test_every_keyword_reaches_its_own_category() -> None:
    # An earlier category that already claims a keyword would make it dead weight.
    for category in CATEGORIES:
        for keyword in category.keywords:
            assert keyword == keyword.upper()
            assert categorize(keyword) is category, keyword


def test_fallback_holds_well_under_a_quarter_of_real_products(catalog: list[ProductRow]) -> None:
    counts = Counter(p.category.slug for p in catalog)
    assert counts[FALLBACK.slug] / len(catalog) < 0.25
    # Every category is used by real products, none swallows the catalogue.
    assert set(counts) == {c.slug for c in (*CATEGORIES, FALLBACK)}
    assert max(counts.values()) / len(catalog) < 0.25


def test_real_themes_are_motifs_and_colours(catalog: list[ProductRow]) -> None:
    themes = derive_themes(p.description for p in catalog)
    assert {"RETROSPOT", "VINTAGE", "HEART", "PINK", "PAISLEY", "UNION JACK"} <= themes
    # Category keywords, stopwords, numbers, sizes and generic materials are not themes.
    assert not {"BAG", "CANDLE", "T-LIGHT", "OF", "SET", "SMALL", "GLASS", "6", "UNION"} & themes
    assert not any(ch.isdigit() for theme in themes for ch in theme)
    assert 40 <= len(themes) <= 150


def test_derive_themes_counts_distinct_products_and_folds_plurals() -> None:
    descriptions = [
        "PINK HEARTS GARLAND",
        "PINK HEART MUG",
        "PINK HEART MUG",  # the same product twice counts once
        "RED HEART BOX",
        "UNION JACK MUG",
        "UNION JACK BUNTING",
        "VINTAGE UNION JACK CUSHION",
    ]
    themes = derive_themes(descriptions, min_products=3)
    assert themes == {"HEART", "UNION JACK"}  # PINK is in 2 products, UNION only with JACK
    assert derive_themes(descriptions, min_products=4) == frozenset()


def test_tags_for_uses_lower_case_themes_in_order() -> None:
    themes = frozenset({"RED", "RETROSPOT", "HEART", "VINTAGE", "UNION JACK", "CHARLIE LOLA"})
    assert tags_for("JUMBO BAG RED RETROSPOT", themes) == ["red", "retrospot"]
    assert tags_for("RED HEARTS RED RETROSPOT", themes) == ["red", "heart", "retrospot"]
    assert tags_for("VINTAGE UNION JACK BUNTING", themes) == ["vintage", "union jack"]
    assert tags_for("CHARLIE AND LOLA CHARLOTTE BAG", themes) == ["charlie lola"]
    assert tags_for("JACK IN THE BOX", themes) == []


def test_real_products_get_their_tags(catalog: list[ProductRow]) -> None:
    by_sku = {p.sku: p for p in catalog}
    assert by_sku["85123A"].tags == ["white", "heart"]
    assert "retrospot" in by_sku["85099B"].tags
    tagged = sum(1 for p in catalog if p.tags)
    assert tagged / len(catalog) > 0.6
