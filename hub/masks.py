"""Contact details in free text, masked for shared screens: anything shaped like an email
address or a phone number in a note, a stored preference, an event's properties or a search.
Part of the shared core: the API's masking extension, erasure's masked export and the
services that refuse contact-shaped values all use the same rule."""

from __future__ import annotations

import re

# Something@somewhere with a letter in the domain. No dot needed: a summary cut at 60
# characters ("jane.doe@examp") still gives the address away.
_EMAIL_IN_TEXT = re.compile(r"([\w.%+\-])[\w.%+\-]*@((?=[\w.\-]*[^\W\d_])[\w.\-]+)")
# A calendar date (2010-12-01, 01.12.2010, 12-31-2010): never the start of a phone number.
_DATE = r"(?:(?:19|20)\d\d([-./])\d\d?\1\d\d?|\d\d?([-./])\d\d?\2(?:19|20)\d\d)(?!\d)"
# A phone number: 9 to 15 digits, grouped by spaces, dots, dashes or parentheses, with an
# optional leading + or (. Not inside a word, token, id, path or number (no letter, digit, _,
# /, +, @ either side, no "-" after a letter or digit, no "." after a digit: "Tel.0770…" is a
# phone, "v1.2…" and "ab-0123…" are not), never starting at a date, never a plain decimal.
# Two numbers side by side are two numbers.
_PHONE_IN_TEXT = re.compile(
    r"(?<![\w+/\\@])(?<!\d\.)(?<![^\W_]-)"
    rf"(?!{_DATE})"
    r"(?:\+|\(\+?)?\d(?:[ \t\u00a0().\-]{0,3}\d){8,14}"
    r"(?![\w/\\+@]|[.\-]\w)"
)
_DECIMAL = re.compile(r"\d+\.\d+")


def _masked_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    if _DECIMAL.fullmatch(found):
        return found
    # "(07700 900456)": the opening parenthesis is the text's, not the number's.
    opened = "(" if found.startswith("(") and found.count("(") > found.count(")") else ""
    return opened + "*** *** " + re.sub(r"\D", "", found)[-4:]


def mask_text(text: str) -> str:
    """Mask anything in free text that looks like an email address or a phone number:
    "j***@example.com", "*** *** 0456". Masked text masks to itself."""
    text = _EMAIL_IN_TEXT.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
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
