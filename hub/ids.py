"""Identifiers for rows the outside world sees."""

from __future__ import annotations

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
