"""Contact data shown on a shared screen is always masked, whatever the hub sent.

The hub masks for the kiosk channel already; masking again here means a self-service token
(which may read its own profile unmasked) still never puts a full address on the screen.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = re.compile(r"\d")
# Nine digits, at most three characters apart (as the hub's phone rule asks), or an at sign
# (fullwidth and small forms too): no product or registry search has either.
_NINE_DIGITS = re.compile(r"\d(?:\D{0,3}\d){8}")
_AT_SIGNS = ("@", "\uff20", "\ufe6b")
MASK = "***"  # what stands for the hidden part of an address or number, here and in the hub


def mask_email(value: str) -> str:
    local, sep, domain = value.partition("@")
    if not sep:
        return mask_secret(value)
    first = local[:1] if local and local[0] != "*" else ""
    return f"{first}{MASK}@{domain}"


def mask_phone(value: str) -> str:
    digits = _DIGITS.findall(value)
    hidden = f"{MASK} {MASK}"
    return f"{hidden} {''.join(digits[-4:])}" if len(digits) >= 4 else hidden


def without_format_characters(text: str) -> str:
    """`text` without Unicode format characters (category Cf): bidi overrides, embeddings,
    isolates and marks (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C), zero-width spaces
    and joiners, soft hyphens, tags. None shows as itself, so typed text echoed on a shared
    screen could be turned around (U+202E) or made to hide a phone number from the check
    below; no product, registry or name search needs one."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def looks_like_contact(text: str) -> bool:
    """Whether what a shopper typed in a search box may be their email or phone: never
    searched for, kept or shown back on a shared screen. Invisible format characters do not
    hide one ("07700\u200b900123")."""
    text = without_format_characters(text)
    return any(a in text for a in _AT_SIGNS) or _NINE_DIGITS.search(text) is not None


def unquoted(message: str, typed: str) -> str:
    """`message`, the hub's words about what a shopper typed, without that text in full
    wherever it quotes it, when it holds an email or phone: the hub masks what looks like one,
    but a slip of the finger ("jane@@example.com", "jane@ example.com") no longer does."""
    text = typed.strip()
    if not text or not looks_like_contact(text):
        return message
    masked = mask_email(text) if any(a in text for a in _AT_SIGNS) else mask_phone(text)
    return re.sub(re.escape(text), lambda _: masked, message, flags=re.IGNORECASE)


def mask_secret(value: str) -> str:
    """A loyalty card or other number: keep only its last four characters."""
    tail = value[-4:] if len(value) > 4 else ""
    return "••••" + tail


def mask_identifier(kind: str, value: str) -> str:
    if kind == "EMAIL":
        return mask_email(value)
    if kind == "PHONE":
        return mask_phone(value)
    if kind in {"LOYALTY_ID", "CRM_ID"}:
        return mask_secret(value)
    return mask_secret(value)


IDENTIFIER_WORDS = {
    "EMAIL": "Email",
    "PHONE": "Phone",
    "LOYALTY_ID": "Loyalty card",
    "CRM_ID": "Customer number",
    "DEVICE_ID": "Device",
    "ANONYMOUS_ID": "Anonymous visit",
}
