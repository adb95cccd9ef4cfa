"""Bring a database to the newest schema (used by `rapport-hub migrate` and `serve`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from hub.db import create_engine

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


async def pending_revisions(database_url: str) -> bool:
    """True when the database is not at the newest migration."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    engine = create_engine(database_url)

    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    try:
        async with engine.connect() as connection:
            heads = await connection.run_sync(current)
    finally:
        await engine.dispose()
    return heads != set(script.get_heads())


def is_current(database_url: str) -> bool:
    return not asyncio.run(pending_revisions(database_url))
