"""Identifiers for rows the outside world sees."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import time

from sqlalchemy import BigInteger, Integer

# BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY is the rowid alias.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


def new_id() -> str:
    """A 32-hex id whose first 12 digits are milliseconds: sortable by creation, unguessable."""
    return f"{int(time.time() * 1000):012x}{os.urandom(10).hex()}"


def row_number(value: object) -> int:
    """A numeric row id from a client's ID, or -1 (found nowhere) when it is not one."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return -1
    return int(text)


def recommendation_id(profile_id: str | None, sku: str, salt: str) -> str:
    """A pick's id: 20 hex digits of a hash (who, what, which version of the profile), then
    the product, so that an event sent back with only the id still names what was shown."""
    digest = hashlib.sha256(f"{profile_id}|{sku}|{salt}".encode()).hexdigest()[:20]
    named = base64.urlsafe_b64encode(sku.encode()).decode().rstrip("=")
    return f"{digest}.{named}"


def sku_in_recommendation_id(value: object) -> str | None:
    """The product a pick's id names, or None for anything else (an older id, a typo)."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    digest, dot, named = value.partition(".")
    if not dot or len(digest) != 20 or not named:
        return None
    try:
        sku = base64.urlsafe_b64decode(named + "=" * (-len(named) % 4)).decode()
    except (binascii.Error, ValueError):
        return None
    # What productSku itself may be (hub/events/validation.py), or nothing: a made-up id is
    # no product, not a refused event.
    return sku if sku and len(sku) <= 64 and sku.isprintable() else None
