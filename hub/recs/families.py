"""Product families: one design sold in many colours or prints ("Hand Warmer Owl Design",
"Hand Warmer Red Polka Dot") is one family, so a list can offer variety a shopper notices.

A family is the first two words of the name that say what the thing is, once quantities
("Set of 3", "Pack of 12"), sizes and colours are left out.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
_LEFT_OUT = frozenset(
    """
    SET PACK BOX OF THE AND WITH W A AN IN ON FOR
    SMALL LARGE MEDIUM MINI BIG GIANT
    RED PINK BLUE GREEN WHITE BLACK IVORY CREAM YELLOW ORANGE PURPLE GOLD SILVER BROWN GREY
    GRAY LILAC TURQUOISE AQUA NAVY BEIGE CLEAR COLOURED COLOUR ASSORTED
    """.split()
)


def family_of(name: str) -> str:
    words = [
        word
        for word in _WORD.findall(name.upper())
        if word not in _LEFT_OUT and not word[0].isdigit()
    ]
    return " ".join(words[:2]) or name.upper()
