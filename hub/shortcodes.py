"""Short codes a person reads aloud or types at a kiosk: no 0/O, 1/I/L or U/V to confuse."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def new_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def cleaned(text: str) -> str:
    """What was typed or scanned, upper-cased, without spaces, dashes or other marks."""
    return "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())
