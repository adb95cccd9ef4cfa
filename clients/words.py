"""The touchpoints in words: one table for both apps (they may not import the hub's own
`hub/words.py`; the hub names touchpoints the same way in its summaries).

Three ways of saying one touchpoint: `label`, a column's short tag on the agent desktop;
`where`, on the shopper's own ledger ("bought at the kiosk"); `notice`, where a live change came
from on a shared screen, which says who made it, never what it was.
"""

from __future__ import annotations

from typing import NamedTuple


class Touchpoint(NamedTuple):
    label: str
    where: str
    notice: str


TOUCHPOINTS = {
    "WEB": Touchpoint("web", "on our web site", "on our web site"),
    "KIOSK": Touchpoint("kiosk", "at the kiosk", "here at the kiosk"),
    "CALL_CENTER": Touchpoint("call", "on the phone", "by our customer team"),
    "STORE": Touchpoint("store", "in the store", "in the store"),
    "DIRECT_MARKETING": Touchpoint("direct marketing", "by post or email", "by our customer team"),
}


def label(touchpoint: str | None) -> str:
    """The agent desktop's short tag, e.g. "call"; "" when there is none."""
    if not touchpoint:
        return ""
    known = TOUCHPOINTS.get(touchpoint)
    return known.label if known else str(touchpoint).replace("_", " ").lower()


def where(touchpoint: str | None) -> str:
    """On the shopper's ledger, e.g. "on the phone"; "" for a touchpoint without words."""
    known = TOUCHPOINTS.get(touchpoint or "")
    return known.where if known else ""


def notice(touchpoint: str | None) -> str:
    """Where a change came from, said on a shared screen, e.g. "by our customer team"."""
    known = TOUCHPOINTS.get(touchpoint or "")
    return known.notice if known else "just now"
