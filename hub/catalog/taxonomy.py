"""A small category taxonomy and data-driven themes for the demo catalogue.

The demo retailer's descriptions are terse upper-case strings ("JUMBO BAG RED RETROSPOT"), so
categories come from a keyword rule rather than a hand-made SKU list: it keeps working when the
catalogue changes and it can be read and tested.

Category rule: the description is upper-cased and split into words (letters and digits, with
inner hyphens and apostrophes kept, so "T-LIGHT" and "CHILD'S" are one word; a plural "S", "ES"
or "IES" also matches the singular keyword). The categories are tried in the order of
`CATEGORIES`; the first one with a keyword among those words wins. A keyword of several words
("TEA TOWEL") matches those words in sequence. Nothing matched: `FALLBACK`.

The order carries meaning: occasions come first (a Christmas candle is shopped for as a Christmas
item), then narrow product types, then broad ones ("DECORATION", "BOX").

Themes are the motif, pattern and colour words that describe many products (RETROSPOT, VINTAGE,
HEART, PINK): they become `theme` tags that the hub learns affinities for.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    keywords: tuple[str, ...] = field(repr=False)


def _kw(text: str) -> tuple[str, ...]:
    # Comma-separated text keeps the long keyword lists short and readable.
    return tuple(k.strip() for k in text.split(",") if k.strip())


CATEGORIES: tuple[Category, ...] = (
    Category(
        "christmas",
        "Christmas",
        _kw(
            "CHRISTMAS, XMAS, ADVENT, NOEL, NATIVITY, REINDEER, SANTA, SNOWMAN, SNOWFLAKE,"
            "SLEIGH, BAUBLE, STOCKING, ICICLE, HOLLY, MISTLETOE, CRACKER, TREE TOP, ANGEL,"
            "WREATH, TINSEL"
        ),
    ),
    Category("easter", "Easter & spring", _kw("EASTER, BUNNY, CHICK, HEN, SPRING")),
    Category(
        "candles-lights",
        "Candles & lights",
        _kw(
            "CANDLE, T-LIGHT, TLIGHT, TEALIGHT, CANDLEHOLDER, CANDLEHLDR, CANDLESTICK,"
            "CANDLESTAND, CANDLEPOT, CANDELABRA, VOTIVE, WICK, SCENTCANDLE, CHOCOLATECANDLE,"
            "LANTERN, PAPERLANTERNS, LAMP, LAMPSHADE, LIGHTS, NIGHT LIGHT, NIGHTLIGHT,"
            "TABLE LIGHT, LIGHTBULB, BULB, LED, TORCH, CHANDELIER, INCENSE, OIL BURNER"
        ),
    ),
    Category(
        "cards-wrap",
        "Cards & wrap",
        _kw(
            "CARD, GREETING, POSTCARD, INVITE, ENVELOPE, WRAP, WRAPPING, GIFT BAG, GIFT TAG,"
            "TISSUE PAPER, RIBBON"
        ),
    ),
    Category(
        "kitchen-baking",
        "Kitchen & baking",
        _kw(
            "KITCHEN, BAKING, CASES, CUTTER, COOKIE, MOULD, APRON, OVEN, TEA TOWEL, TEATOWEL,"
            "WASHING UP, CAKE TIN, STORAGE TIN, LUNCH BOX, LUNCH BAG, SNACK BOX, JAR,"
            "CONTAINER, CANNISTER, CANISTER, BREAD BIN, BISCUIT BIN, BISCUIT BARREL, SPOON,"
            "SPATULA, WHISK, LADLE, COLANDER, SQUEEZER, ROLLING PIN, CHOPPING BOARD, PAN,"
            "RECIPE, FLASK, MEASURING, PIZZA, ICE LOLLY, JAM MAKING, COOKING SET, FOOD COVER,"
            "FOODCOVER"
        ),
    ),
    Category(
        "bath-beauty",
        "Bath & beauty",
        _kw(
            "SOAP, BATH, BATHROOM, SHOWER, WASHBAG, COSMETIC, BALM, LIP GLOSS, NAIL, TISSUES,"
            "FLANNEL, TOWEL, SPONGE, HOT WATER BOTTLE, HOTTIE, HAND CREAM, PERFUME, COLOGNE,"
            "FRAGRANCE, SACHET, LAVENDER BAG, DRAWER LINERS, B'DRAW LINERS, DRESSING TABLE"
        ),
    ),
    Category(
        "jewellery-accessories",
        "Jewellery & accessories",
        _kw(
            "NECKLACE, NECKLAC, NECKL, BRACELET, BRACLET, EARRING, RING, BANGLE, BROOCH,"
            "PENDANT, CHARM, CHOKER, LARIAT, TIARA, JEWEL, JEWELLERY, HAIR, HAIRCLIP, HAIRBAND,"
            "KEYRING, KEY FOB, KEY-CHAINS, PURSE, WALLET, COMPACT, SCARF, GLOVE, HAT, SUNHAT,"
            "SUNGLASSES, UMBRELLA, PONCHO, SLIPPER, BOW TIE, EAR MUFF, HAND WARMER,"
            "POCKET WARMER"
        ),
    ),
    Category(
        "tableware",
        "Tableware & tea",
        _kw(
            "MUG, CUP, TEACUP, SAUCER, TEAPOT, TEA, COFFEE, SUGAR, PLATE, PLATTER, BOWL,"
            "FRUITBOWL, DISH, JUG, TRAY, TOASTRACK, CAKESTAND, CAKE STAND, CAKE SERVER, CUTLERY,"
            "TEASPOON, CHOPSTICKS, SALAD SERVERS, SALT AND PEPPER, EGG CUP, EGG COSY,"
            "EGG WARMER, TUMBLER, BEAKER, GLASSES, WINE, CHAMPAGNE, APERITIF, CHALICE,"
            "MILKSHAKE, STRAW, COASTER, NAPKIN, PLACEMAT, PLACE SETTING, TABLECLOTH,"
            "TABLE CLOTH, TABLE RUN"
        ),
    ),
    Category(
        "stationery",
        "Stationery",
        _kw(
            "STATIONERY, NOTEBOOK, NOTEPAD, NOTELETS, JOURNAL, SKETCHBOOK, DIARY, MEMO,"
            "MEMOBOARD, CALENDAR, ADDRESS BOOK, POCKET BOOK, SCRAP BOOK, WRITING SET, PEN,"
            "PENCIL, CRAYON, CHALK, CHALKBOARD, ERASER, RUBBER, RULER, STICKER, TAPE, STAMP,"
            "BOOKMARK, CLIP, PAPERWEIGHT, P'WEIGHT, ORGANISER, LETTER RACK, FILE, CALCULATOR,"
            "HOLE PUNCH, TO DO LIST"
        ),
    ),
    Category(
        "kids-party",
        "Kids & party",
        _kw(
            "CHILD, CHILDREN, CHILDRENS, KID, BABY, BOY'S, GIRL'S, TOY, DOLL, TEDDY, PUPPET,"
            "GAME, JIGSAW, PUZZLE, LUDO, BINGO, TOP TRUMPS, SNAKES & LADDERS, SKITTLES,"
            "MARBLES, SPINNING TOP, SKIPPING ROPE, SKIPPPING ROPE, JACOBS LADDER, HELICOPTER,"
            "RACING CAR, FLYING DISC, INFLATABLE, CRAFT, FELTCRAFT, STENCIL, DRAWING SLATE,"
            "PAINT SET, MODELLING CLAY, KNITTING NANCY, COLOURING, TATTOOS, BADGES, PATCHES,"
            "CREEPY CRAWLIE, FARM ANIMAL, SANDCASTLE, PARTY, BIRTHDAY, BALLOON, BUNTING,"
            "CONFETTI, HONEYCOMB, PAPER CHAIN KIT, WINDSOCK, GRASS SKIRT"
        ),
    ),
    Category(
        "garden",
        "Garden & outdoors",
        _kw(
            "GARDEN, GARDENING, GARDENERS, PLANT, PLANTER, FLOWER POT, POTTING, SEED, HERB,"
            "GROW, WATERING CAN, TROWEL, SECATEURS, KNEELING PAD, CLOCHE, SHED, GNOME,"
            "BIRDHOUSE, BIRD HOUSE, BIRDFEEDER, FEEDER, BIRD TABLE, WASP CATCHER, WINDCHIME,"
            "WINDMILL, HAMMOCK, PARASOL, PICNIC, OUTDOOR"
        ),
    ),
    Category(
        "bags",
        "Bags & storage",
        _kw(
            "BAG, SHOPPER, TOTE, BACKPACK, HOLDALL, HANDBAG, CARRIER, PASSPORT COVER,"
            "LUGGAGE TAG, BASKET, HAMPER, STORAGE, BOX, TIN, TRUNK, CRATE, DRAWER, CABINET,"
            "CHEST, CASE"
        ),
    ),
    Category(
        "home-decor",
        "Home décor",
        _kw(
            "DECORATION, DECORATIVE, ORNAMENT, HANGING, GARLAND, MOBILE, CHIME, BELL, CUSHION,"
            "C COVER, THROW, BLANKET, QUILT, RUG, CURTAIN, SCREEN, FRAME, PHOTOFRAME, PHOTO,"
            "PICTURE, ALBUM, MIRROR, CLOCK, SIGN, DOORSIGN, PLAQUE, WALL, TILE, MAGNET,"
            "LETTERS, BLOCK WORD, VASE, ART FLOWER, ARTIFICIAL FLOWER, ARTIIFCIAL, FEATHER TREE,"
            "FLYING DUCKS, ROSETTE, TRELLIS, DISCO BALL, HOLDER, HOOK, COATHOOK, HANGER,"
            "COATHANGERS, SHELF, RACK, KNOB, DOORMAT, MAT, DOORSTOP, DOORBELL, STOOL, CHAIR,"
            "TABLE, BENCH, DRESSER, POUFFE, DOILY, BIN, BUCKET, TOILET ROLL, LAUNDRY,"
            "IRONING BOARD, PEGS, TIDY, DUSTER, FLY SWAT"
        ),
    ),
)

FALLBACK = Category("gifts", "Gifts & novelties", ())

_WORD = re.compile(r"[A-Z0-9]+(?:['-][A-Z0-9]+)*")


def _words(description: str) -> list[str]:
    return _WORD.findall(description.upper())


def _singular(word: str) -> str | None:
    """The singular of a plural or possessive, or None: enough English for this catalogue."""
    if word.endswith("'S"):
        return word[:-2]
    if len(word) <= 3 or not word.endswith("S") or word.endswith(("SS", "US")):
        return None
    if word.endswith("IES"):
        return word[:-3] + "Y"
    if word.endswith(("XES", "CHES", "SHES")):
        return word[:-2]
    return word[:-1]


def _padded(words: Iterable[str]) -> str:
    return " " + " ".join(words) + " "


# Precomputed once, in rule order: (category, single-word keywords, padded phrase keywords).
# Phrases go through `_words` too, so "SNAKES & LADDERS" matches as "SNAKES LADDERS".
_RULES: tuple[tuple[Category, frozenset[str], tuple[str, ...]], ...] = tuple(
    (
        c,
        frozenset(k for k in c.keywords if len(_words(k)) == 1),
        tuple(_padded(_words(k)) for k in c.keywords if len(_words(k)) > 1),
    )
    for c in CATEGORIES
)


def categorize(description: str) -> Category:
    """The first category in `CATEGORIES` with a keyword in `description`, else `FALLBACK`."""
    words = _words(description)
    singulars = [_singular(w) or w for w in words]
    forms = {*words, *singulars}
    # Both spellings, so that "TEA TOWELS" matches the phrase "TEA TOWEL".
    padded = _padded(words) + "|" + _padded(singulars)
    for category, singles, phrases in _RULES:
        if not singles.isdisjoint(forms) or any(p in padded for p in phrases):
            return category
    return FALLBACK


# --- themes ---------------------------------------------------------------------------------

# Words that never make a theme although they are frequent: function words and the shop's
# abbreviations ("ASSTD", "DES" for design, "ANT" for antique), size, shape and packaging words,
# generic materials, and nouns that name a part or use rather than a look ("DOOR", "KEY").
_NOT_THEMES = frozenset(
    """
    A AN AND THE OF IN ON WITH FOR TO BY OR AT FROM YOUR OWN MY IT ITS I S W N O C F B P M
    ASS ASST ASSTD ASSORTED COL COLS DES DEC ANT SML LGE
    SET PACK PAIR PIECE PCS BOX SMALL MEDIUM LARGE MINI JUMBO GIANT BIG TALL LONG SHORT
    ROUND SQUARE OVAL SHAPE SHAPED TIER SINGLE DOUBLE TRIPLE NUMBER TUBE FOLDING CHUNKY
    NEW DESIGN STYLE COLOUR COLOURS COLOURED PRINT IMAGES TIME
    GLASS METAL PAPER WOOD WOODEN CERAMIC ACRYLIC PLASTIC FABRIC
    DOOR KEY WATER HOT PHONE STRING HAND DROP DINNER FRIDGE LUNCH TISSUE PATCH LETTER GIFT
    CHAIN KIT TRINKET
    """.split()
)

# A pair of theme words that nearly always occur together ("UNION JACK", "CHARLIE AND LOLA")
# is one theme: each word's products must be at least this share of the pair's.
_PAIR_SHARE = 0.6


def _excluded_words() -> frozenset[str]:
    """Category keywords, and the last word of each phrase keyword: both name a product type."""
    out = set(_NOT_THEMES)
    for category in CATEGORIES:
        for keyword in category.keywords:
            out.add(_words(keyword)[-1])
    return frozenset(out)


_EXCLUDED = _excluded_words()


def _eligible(word: str) -> bool:
    return word not in _EXCLUDED and not any(ch.isdigit() for ch in word) and len(word) > 2


def derive_themes(descriptions: Iterable[str], min_products: int = 15) -> frozenset[str]:
    """Upper-case theme words (and word pairs, "UNION JACK") found in `min_products` products.

    Each distinct description counts as one product. A plural counts as its singular when the
    singular also occurs ("HEARTS" is "HEART"); category keywords, their singulars and the
    words in `_NOT_THEMES` are left out.
    """
    tokenized = [_words(d) for d in {d.upper() for d in descriptions}]
    vocabulary = {w for words in tokenized for w in words}

    def canonical(word: str) -> str:
        singular = _singular(word)
        return singular if singular and singular in vocabulary else word

    products = [
        [c for c in map(canonical, words) if _eligible(c) and _eligible(_singular(c) or c)]
        for words in tokenized
    ]
    singles: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for words in products:
        singles.update(set(words))
        pairs.update(set(pairwise(words)))
    chosen_pairs = {
        pair
        for pair, n in pairs.items()
        if n >= min_products and all(n >= _PAIR_SHARE * singles[w] for w in pair)
    }
    # Recount single words outside the chosen pairs, so that UNION is not a theme of its own.
    rest: Counter[str] = Counter()
    for words in products:
        rest.update(set(_without_pairs(words, chosen_pairs)))
    themes = {w for w, n in rest.items() if n >= min_products}
    themes.update(f"{a} {b}" for a, b in chosen_pairs)
    return frozenset(themes)


def _without_pairs(words: list[str], pairs: set[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and (words[i], words[i + 1]) in pairs:
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


def tags_for(description: str, themes: frozenset[str]) -> list[str]:
    """The lower-case themes of one product, in the order they appear, without repeats."""
    words: list[str] = []
    for word in _words(description):
        singular = _singular(word)
        if singular and singular in themes:
            word = singular
        if word not in _NOT_THEMES:  # so that "CHARLIE AND LOLA" reads as a pair
            words.append(word)
    tags: list[str] = []
    i = 0
    while i < len(words):
        pair = f"{words[i]} {words[i + 1]}" if i + 1 < len(words) else ""
        if pair in themes:
            tag, i = pair, i + 2
        else:
            tag, i = words[i], i + 1
            if tag not in themes:
                continue
        if tag.lower() not in tags:
            tags.append(tag.lower())
    return tags
