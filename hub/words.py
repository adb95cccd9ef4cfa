"""Plain words for reasons shown to shoppers and agents."""

from __future__ import annotations

from datetime import datetime

from hub.enums import TOUCHPOINT_WORDS, Touchpoint, member

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day(moment: datetime) -> str:
    """ "29 January 2010": English whatever the process's locale (strftime's %B follows it)."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def where(touchpoint: str) -> str:
    try:
        return TOUCHPOINT_WORDS[member(Touchpoint, touchpoint)]
    except ValueError:
        return ""


def times(count: int, verb: str) -> str:
    if count == 1:
        return f"{verb} it once"
    if count == 2:
        return f"{verb} it twice"
    return f"{verb} it {count} times"


def items(count: int, verb: str, noun: str) -> str:
    return f"{verb} {count} {noun} item{'s' if count != 1 else ''}"
