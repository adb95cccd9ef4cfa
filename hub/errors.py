"""Expected failures, raised by services and returned to clients as `userErrors`."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

# PostgreSQL cannot store a NUL in text; SQLite would, and every reader after it would trip.
# Refused wherever text comes in: the GraphQL gate (hub/api/input_gate.py) and the checks a
# file to `import` goes through (hub/events/validation.py, hub/identity/normalize.py).
NUL = "\x00"
NO_NUL = "Text may not contain NUL characters."


class ErrorCode(StrEnum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    JUNK_IDENTIFIER = "JUNK_IDENTIFIER"
    TOO_LONG = "TOO_LONG"
    TOO_MANY = "TOO_MANY"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    DUPLICATE = "DUPLICATE"
    FORBIDDEN = "FORBIDDEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"  # sign-ins refused for a while after failures
    SUPPRESSED = "SUPPRESSED"
    CONTACT_DATA = "CONTACT_DATA"  # an email or phone number where none belongs
    CONTROL_GROUP = "CONTROL_GROUP"  # a campaign's held-out customer: nothing was sent


@dataclass(frozen=True)
class Problem:
    field: tuple[str, ...]
    code: ErrorCode
    message: str


@dataclass
class DomainError(Exception):
    """One or more problems with what a client asked for; nothing was stored."""

    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def one(cls, field: Sequence[str | int], code: ErrorCode, message: str) -> DomainError:
        return cls([Problem(tuple(str(part) for part in field), code, message)])

    def __str__(self) -> str:
        return "; ".join(f"{'.'.join(p.field)}: {p.message}" for p in self.problems)


class Problems:
    """Collects problems while validating a whole input, then raises them together."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, field: Sequence[str | int], code: ErrorCode, message: str) -> None:
        self.items.append(Problem(tuple(str(part) for part in field), code, message))

    def extend(self, error: DomainError, prefix: Sequence[str | int] = ()) -> None:
        head = tuple(str(part) for part in prefix)
        self.items.extend(Problem(head + p.field, p.code, p.message) for p in error.problems)

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(list(self.items))


CONTROL_CHARACTERS = "Control characters are not allowed."


def clean_text(
    value: str | None,
    path: Sequence[str | int],
    limit: int,
    problems: Problems,
    required: bool = True,
) -> str | None:
    """A short text a person typed: whitespace squeezed, NFC; None when empty. What is wrong
    with it (missing, too long, control characters) is added to `problems` at `path`."""
    text = unicodedata.normalize("NFC", " ".join((value or "").split()))
    if not text:
        if required:
            problems.add(path, ErrorCode.REQUIRED, "Please fill this in.")
        return None
    if len(text) > limit:
        problems.add(path, ErrorCode.TOO_LONG, f"At most {limit} characters.")
    elif has_control_characters(text):
        problems.add(path, ErrorCode.INVALID, CONTROL_CHARACTERS)
    return text


MAX_MESSAGE_ID = 200  # a client's id for one write it may send again (an event, a note)


def check_message_id(message_id: str, path: Sequence[str | int], problems: Problems) -> None:
    """A client's message id, given and stripped: what is wrong with it (control characters, too
    long) is added to `problems` at `path`. Whether one is required is the caller's rule."""
    if has_control_characters(message_id):  # a NUL, an escape, a right-to-left override
        problems.add(path, ErrorCode.INVALID, CONTROL_CHARACTERS)
    elif len(message_id) > MAX_MESSAGE_ID:
        problems.add(path, ErrorCode.TOO_LONG, f"At most {MAX_MESSAGE_ID} characters.")


def check_storable_time(
    at: datetime | None, field: tuple[str | int, ...], problems: Problems
) -> None:
    """A time is kept in UTC: one that leaves the calendar there (year 1 at +01:00 is year 0,
    31 December 9999 at −05:00 is year 10000) is OUT_OF_RANGE on its field, not a crash."""
    if at is None or at.tzinfo is None:
        return
    try:
        at.astimezone(UTC)
    except OverflowError:
        problems.add(field, ErrorCode.OUT_OF_RANGE, "A time from year 1 to year 9999 in UTC.")


def has_control_characters(text: str, allowed: str = "") -> bool:
    """Whether `text` holds a control or format character (Unicode category C: an escape
    sequence for a terminal, a right-to-left override that makes "gnp.exe" read "exe.png"),
    other than those in `allowed`."""
    # Python counts every character of category C (and of Z, but the space) as unprintable:
    # a printable text, nearly every one a batch sends, needs no look at each character.
    if text.isprintable():
        return False
    return any(unicodedata.category(ch)[0] == "C" and ch not in allowed for ch in text)
