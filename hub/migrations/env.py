"""Alembic environment: runs migrations on the async engine for RAPPORT_DATABASE_URL."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

import hub.models  # noqa: F401  (registers every table on Base.metadata)
from hub.broker import JOURNAL_TABLES
from hub.db import Base, create_engine
from hub.events.partitions import outside_the_models
from hub.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return str(config.attributes.get("database_url") or get_settings().database_url)


def _ours(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """What the models describe: not the monthly partitions of `events` (and their indexes),
    which the hub creates ahead and retention drops, nor `event_months`, which triggers keep
    (hub/events/partitions.py), nor SQLite's change journal (hub/broker.py)."""
    table = getattr(obj, "table", None) if kind == "index" else obj
    table_name = name if kind == "table" else getattr(table, "name", "")
    outside = outside_the_models(str(table_name)) or table_name in JOURNAL_TABLES
    return not (reflected and table_name and outside)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_ours,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
