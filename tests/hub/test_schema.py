"""The checked-in SDL and the migrations match the code."""

from __future__ import annotations

from pathlib import Path

from strawberry.printer import print_schema

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
