"""Pure pieces of the agent desktop: options, greeting, duplicates, times, identifier guesses."""

from __future__ import annotations

from datetime import datetime

import pytest

from clients.callcenter.hub_api.fragments import ProfileCard
from clients.callcenter.models import Profile, short_time
from clients.callcenter.options import parse_options
from clients.callcenter.screens.find_caller import identifier_guesses
from clients.callcenter.stewardship import possible_duplicates


def _profile(pid: str, first: str | None, last: str | None, *idents: tuple[str, str]) -> Profile:
    identifiers = [{"kind": kind, "value": value} for kind, value in idents]
    card = {"id": pid, "firstName": first, "lastName": last, "displayName": "", "salutation": None}
    return Profile(ProfileCard.model_validate(card | {"identifiers": identifiers, "version": 1}))


def test_options_fall_back_to_the_environment() -> None:
    env = {
        "RAPPORT_HUB_URL": "http://hub:9000/",
        "RAPPORT_CALLCENTER_KEY": "k",
        "RAPPORT_AGENT_USERNAME": "u",
        "RAPPORT_AGENT_PASSWORD": "p",
        "RAPPORT_EXPORT_DIR": "/srv/exports",
    }
    options = parse_options(["--caller", "07700 900123"], env=env)
    assert options.export_dir == "/srv/exports"
    assert parse_options(["--export-dir", "out"], env=env).export_dir == "out"
    assert parse_options([], env={}).export_dir == "."
    assert options.hub_url == "http://hub:9000"
    assert (options.key, options.username, options.password) == ("k", "u", "p")
    assert options.has_credentials and options.caller == "07700 900123"
    assert parse_options(["--hub-url", "http://x"], env=env).hub_url == "http://x"
    assert not parse_options([], env={}).has_credentials


def test_the_agent_greets_by_salutation() -> None:
    profile = _profile("1", "Anna", "Clarke")
    assert profile.greeting_line == "Hello Anna, welcome back"
    profile.data.salutation = "Mrs Clarke"
    assert profile.greeting_line == "Hello Mrs Clarke, welcome back"
    assert _profile("2", None, None).greeting_line == "Hello, welcome back"


def test_possible_duplicates_share_a_name_or_a_contact() -> None:
    a = _profile("a", "Jane", "Smith", ("EMAIL", "jane@example.com"))
    b = _profile("b", "jane", "SMITH", ("EMAIL", "j.smith@example.com"))
    c = _profile("c", "Tom", "Jones", ("PHONE", "+447700900123"))
    d = _profile("d", "Thomas", "Jones", ("PHONE", "+447700900123"))
    e = _profile("e", "Only", "Once")
    flagged = possible_duplicates([a, b, c, d, e])
    assert flagged == {"a": "same name", "b": "same name", "c": "same phone", "d": "same phone"}


def test_short_time_is_at_most_twelve_cells() -> None:
    now = datetime(2026, 11, 23, 18, 0).astimezone()
    today = now.replace(hour=9, minute=5).isoformat()
    assert short_time(today, now) == "09:05"
    assert short_time("2010-08-17T10:00:00", now) == "17 Aug 2010"
    assert len(short_time(now.replace(month=2).isoformat(), now)) <= 12
    assert short_time(None) == ""


def test_identifier_guesses() -> None:
    assert identifier_guesses("anna.clarke@example.com") == [("EMAIL", "anna.clarke@example.com")]
    assert ("PHONE", "07700 900123") in identifier_guesses("07700 900123")
    assert ("CRM_ID", "13085") in identifier_guesses("13085")
    assert ("LOYALTY_ID", "RAP-100001") in identifier_guesses("RAP-100001")
    assert identifier_guesses("clarke") == []


def test_a_hub_address_that_cannot_work_is_refused_at_start() -> None:
    """Before: `--hub-url localhost:8000` started the desktop, which retried for ever."""
    for argv, env in ((["--hub-url", "localhost:8000"], {}), ([], {"RAPPORT_HUB_URL": "ftp://x"})):
        with pytest.raises(SystemExit) as refused:
            parse_options(argv, env=env)
        assert refused.value.code == 2
