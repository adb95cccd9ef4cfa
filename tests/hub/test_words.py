"""Plain words in reasons: dates read as people write them, in English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub import words
from hub.enums import EventType, IdentifierKind, Touchpoint, member
from hub.errors import DomainError
from hub.identity.normalize import normalize_identifier
from hub.words import day, times


def test_a_day_reads_as_day_month_year_in_every_month() -> None:
    names = "January February March April May June July August September October November December"
    for month, name in enumerate(names.split(), start=1):
        assert day(datetime(2010, month, 9, 23, 59, tzinfo=UTC)) == f"9 {name} 2010"
    assert day(datetime(2009, 12, 31)) == "31 December 2009"


def test_counts_read_as_words() -> None:
    assert [times(n, "bought") for n in (1, 2, 5)] == [
        "bought it once",
        "bought it twice",
        "bought it 5 times",
    ]


def test_a_stored_string_becomes_its_enum_member_as_the_enum_itself_would_make_it() -> None:
    assert member(Touchpoint, "KIOSK") is Touchpoint.KIOSK
    assert member(EventType, "PURCHASE") is EventType.PURCHASE
    for wrong in ("kiosk", "NOPE", ""):
        with pytest.raises(ValueError):
            member(Touchpoint, wrong)
    assert words.where("KIOSK") == words.where(Touchpoint.KIOSK) != ""
    assert words.where("NOWHERE") == ""


def test_a_refused_identifier_is_named_with_its_article() -> None:
    for kind, what in (
        (IdentifierKind.ANONYMOUS_ID, "An anonymous id is"),
        (IdentifierKind.DEVICE_ID, "A device id is"),
        (IdentifierKind.LOYALTY_ID, "A loyalty card number is"),
    ):
        with pytest.raises(DomainError) as refused:
            normalize_identifier(kind, "no@good", "GB")
        assert refused.value.problems[0].message.startswith(what), refused.value.problems
