"""The checked-in SDL and the migrations match the code."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from strawberry.printer import print_schema

from hub.db import create_engine
from hub.web.schema import schema
from tests.conftest import hub_command

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_NAMES = (
    "identify track profile searchProfiles setPreferences setConsent addNote exportProfile "
    "eraseProfile agentLogin profileChanged userErrors recommendations IdentifierInput CRM_ID "
    "LOYALTY_ID ANONYMOUS_ID DEVICE_ID PERSONALIZATION CALL_CENTER"
).split()


def test_schema_graphql_is_current() -> None:
    checked_in = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert checked_in == print_schema(schema) + "\n", (
        "schema.graphql is stale: run `rapport-hub export-schema`"
    )


def test_contract_names_are_in_the_schema() -> None:
    sdl = print_schema(schema)
    missing = [name for name in CONTRACT_NAMES if name not in sdl]
    assert missing == [] or missing == ["recommendations"], missing


def test_migrations_match_the_models(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("drift")
    hub_command(url, "migrate")
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [str(Path(sys.executable).parent / "alembic"), "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "RAPPORT_DATABASE_URL": url},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def _redundant(connection: Any) -> list[str]:
    """Plain indexes whose columns lead another index, unique constraint or primary key of
    the same table: that one answers every lookup they do, so they only cost writes."""
    inspector = sa.inspect(connection)
    found = []
    for table in inspector.get_table_names():
        indexes = inspector.get_indexes(table)
        plain = [(i["name"], i["column_names"]) for i in indexes if None not in i["column_names"]]
        keys = [(u["name"], u["column_names"]) for u in inspector.get_unique_constraints(table)]
        keys.append(("primary key", inspector.get_pk_constraint(table)["constrained_columns"]))
        unique = {i["name"] for i in indexes if i["unique"]}
        for name, cols in plain:
            if name in unique:
                continue
            for other, other_cols in plain + keys:
                if (
                    other != name
                    and len(other_cols) > len(cols)
                    and other_cols[: len(cols)] == cols
                ):
                    found.append(f"{table}.{name} (served by {other})")
                    break
    return sorted(found)


def test_no_index_only_repeats_the_lead_of_another(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("indexes")
    hub_command(url, "migrate")

    async def redundant() -> list[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                found: list[str] = await connection.run_sync(_redundant)
                return found
        finally:
            await engine.dispose()

    assert asyncio.run(redundant()) == []
