"""Contact details in free text, masked for shared screens: anything shaped like an email
address or a phone number in a note, a stored preference, an event's properties or a search.
Part of the shared core: the API's masking extension, erasure's masked export and the
services that refuse contact-shaped values all use the same rule."""

from __future__ import annotations

import re

# Typed text holds more than ASCII: CJK keyboards give a full-width at sign and digits,
# word processors and phones' number formatting thin and narrow no-break spaces and dashes.
_AT = "@\uff20\ufe6b"
_DASHES = "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
_SPACES = " \t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_PLUS = "+\uff0b"
# Something@somewhere with a letter in the domain. No dot needed: a summary cut at 60
# characters ("jane.doe@examp") still gives the address away.
_EMAIL_IN_TEXT = re.compile(rf"([\w.%+\-])[\w.%+\-]*([{_AT}])((?=[\w.\-]*[^\W\d_])[\w.\-]+)")
# A calendar date (2010-12-01, 01.12.2010, 12-31-2010): never the start of a phone number.
_DATE = (
    rf"(?:(?:19|20)\d\d([{_DASHES}./])\d\d?\1\d\d?|\d\d?([{_DASHES}./])\d\d?\2(?:19|20)\d\d)"
    r"(?!\d)"
)
# A phone number: 9 to 15 digits, grouped by spaces, dots, dashes or parentheses, with an
# optional leading + or (. Not inside a word, token, id, path or number (no letter, digit, _,
# /, +, @ either side, no "-" after a letter or digit, no "." after a digit: "Tel.0770…" is a
# phone, "v1.2…" and "ab-0123…" are not), never starting at a date, never a plain decimal.
# Two numbers side by side are two numbers.
_PHONE_IN_TEXT = re.compile(
    rf"(?<![\w{_PLUS}/\\{_AT}])(?<!\d\.)(?<![^\W_][{_DASHES}])"
    rf"(?!{_DATE})"
    rf"(?:[{_PLUS}]|[(\uff08][{_PLUS}]?)?\d(?:[{_SPACES}().\uff08\uff09\uff0e{_DASHES}]{{0,3}}\d){{8,14}}"
    rf"(?![\w/\\{_PLUS}{_AT}]|[.\uff0e{_DASHES}]\w)"
)
_DECIMAL = re.compile(r"\d+\.\d+")
# What any phone number above holds (nine digits, at most three characters apart): a quick
# test that lets the many texts without one skip the pattern's lookarounds.
_NINE_DIGITS = re.compile(r"\d(?:\D{0,3}\d){8}")


def _masked_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    if _DECIMAL.fullmatch(found):
        return found
    # "(07700 900456)": the opening parenthesis is the text's, not the number's.
    opened = (
        found[0]
        if found[0] in "(\uff08"
        and found.count(found[0]) > found.count(")") + found.count("\uff09")
        else ""
    )
    return opened + "*** *** " + re.sub(r"\D", "", found)[-4:]


def mask_text(text: str) -> str:
    """Mask anything in free text that looks like an email address or a phone number:
    "j***@example.com", "*** *** 0456". Masked text masks to itself."""
    if "@" in text or "\uff20" in text or "\ufe6b" in text:
        text = _EMAIL_IN_TEXT.sub(lambda m: f"{m.group(1)}***{m.group(2)}{m.group(3)}", text)
    if _NINE_DIGITS.search(text) is None:
        return text
    return _PHONE_IN_TEXT.sub(_masked_phone, text)


def mask_json(value: object) -> object:
    """The same, through a JSON document (event properties, traits)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    if isinstance(value, dict):
        return {mask_text(str(k)): mask_json(v) for k, v in value.items()}
    return value


def looks_like_contact(text: str) -> bool:
    """Whether free text holds something shaped like an email address or a phone number."""
    return mask_text(text) != text


# A UK postcode, spaced or not: its outward code (area and district) and inward code.
_UK_POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}")


def mask_postcode(postcode: str) -> str:
    """A postcode for a shared screen: the district it names, not the street — a UK
    postcode's outward code ("SW1A ***"), what stands before the space in another spaced one
    (Canada's "K1A ***", Ireland's "D02 ***"), else the first two characters ("75***")."""
    text = postcode.strip()
    uk = _UK_POSTCODE.fullmatch(text.upper())
    if uk:
        return f"{uk.group(1)} ***"
    head, space, _ = text.partition(" ")
    if space and 2 <= len(head) < len(text) - 1:
        return f"{head} ***"
    return f"{text[:2]}***" if len(text) > 3 else "***"
