"""Plain words in reasons: dates read as people write them, in English."""

from __future__ import annotations

from datetime import UTC, datetime

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
