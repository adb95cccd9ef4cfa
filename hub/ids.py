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
