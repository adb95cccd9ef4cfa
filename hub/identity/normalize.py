"""Normalisation of identifiers before matching: one spelling per person's identifier."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from hub.enums import IdentifierKind
from hub.errors import NO_NUL, NUL, DomainError, ErrorCode


@dataclass(frozen=True)
class IdentifierIn:
    """An identifier as a client sent it (or, once normalised, as it is stored)."""

    kind: IdentifierKind
    value: str


MAX_LENGTH = 320

_JUNK_WORDS = frozenset(
    {
        "",
        "null",
        "none",
        "nil",
        "undefined",
        "anonymous",
        "unknown",
        "n/a",
        "na",
        "-",
        "test",
        "nan",
        "false",
        "true",
        "[object object]",
    }
)
_JUNK_EMAILS = frozenset(
    {
        "test@test.com",
        "test@example.com",
        "a@a.com",
        "noreply@noreply.com",
        "none@none.com",
        "no@email.com",
        "noemail@noemail.com",
        "email@email.com",
    }
)
# The same character over and over ("0000", "xxxx", "1111-1111") is a placeholder, not an id.
_REPEATED = re.compile(r"^(.)\1*$")
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")
_CRM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
_SEPARATORS = re.compile(r"[\s\-_.:/()+]")


def _is_placeholder(value: str) -> bool:
    squeezed = _SEPARATORS.sub("", value)
    return squeezed.lower() in _JUNK_WORDS or bool(_REPEATED.match(squeezed))


def normalize_identifier(kind: IdentifierKind, raw: str, default_region: str) -> str:
    """The canonical spelling of an identifier, or a DomainError saying what is wrong."""
    value = (raw or "").strip()
    if not value:
        raise DomainError.one(("value",), ErrorCode.REQUIRED, "An identifier value is required.")
    if NUL in value:  # GraphQL's gate refuses these; a file to `import` may hold them
        raise DomainError.one(("value",), ErrorCode.INVALID, NO_NUL)
    if len(value) > MAX_LENGTH:
        raise DomainError.one(
            ("value",), ErrorCode.TOO_LONG, f"An identifier is at most {MAX_LENGTH} characters."
        )
    if _is_placeholder(value):
        raise DomainError.one(
            ("value",),
            ErrorCode.JUNK_IDENTIFIER,
            f"“{value}” is a placeholder, not a real {kind.value.lower().replace('_', ' ')}.",
        )
    if kind is IdentifierKind.EMAIL:
        return _email(value)
    if kind is IdentifierKind.PHONE:
        return _phone(value, default_region)
    if kind is IdentifierKind.LOYALTY_ID:
        return _token(value.upper().replace(" ", ""), "loyalty card number", _TOKEN)
    if kind is IdentifierKind.CRM_ID:
        return _token(value, "CRM id", _CRM)
    return _token(value, kind.value.lower().replace("_", " "), _TOKEN)


def _token(value: str, what: str, pattern: re.Pattern[str]) -> str:
    if not pattern.match(value) or len(value) > 128:
        raise DomainError.one(
            ("value",),
            ErrorCode.INVALID,
            f"{'An' if what[0] in 'aeiou' else 'A'} {what} is letters, digits and . _ : - "
            "(at most 128 characters).",
        )
    if _is_placeholder(value):
        raise DomainError.one(
            ("value",), ErrorCode.JUNK_IDENTIFIER, f"“{value}” is not a real {what}."
        )
    return value


def _email(value: str) -> str:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError.one(
            ("value",), ErrorCode.INVALID_EMAIL, f"“{value}” is not a valid email address: {exc}"
        ) from None
    # The domain is case-insensitive by standard; local parts are in practice too.
    email = f"{result.local_part}@{result.domain}".lower()
    if email in _JUNK_EMAILS or _is_placeholder(result.local_part):
        raise DomainError.one(
            ("value",), ErrorCode.JUNK_IDENTIFIER, f"“{value}” is a placeholder address."
        )
    return email


def _phone(value: str, default_region: str) -> str:
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        number = None
    # "Possible" (right length for the region) rather than "valid": Ofcom's drama ranges
    # (07700 900xxx) and freshly allocated ranges are real to us but unknown to the metadata.
    if number is None or not phonenumbers.is_possible_number(number):
        raise DomainError.one(
            ("value",),
            ErrorCode.INVALID_PHONE,
            f"“{value}” is not a valid phone number (write it with its country code, e.g. +44).",
        )
    national = str(number.national_number)
    if _REPEATED.match(national):
        raise DomainError.one(("value",), ErrorCode.JUNK_IDENTIFIER, f"“{value}” is a placeholder.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(kind: IdentifierKind, value: str) -> str:
    """What a shared screen may show: enough to recognise, not enough to contact."""
    if kind is IdentifierKind.EMAIL and "@" in value:
        local, domain = value.split("@", 1)
        return f"{local[:1]}***@{domain}"
    if kind is IdentifierKind.PHONE:
        return f"*** *** {value[-4:]}"
    return value
