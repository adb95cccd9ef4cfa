"""The kiosk's GraphQL: every operation it sends is valid against the checked-in schema, and
the typed client generated from them is the one committed (they cannot drift apart)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from clients import codegen

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "clients" / "kiosk" / "operations"


def test_every_operation_validates_against_the_schema() -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    files = sorted(OPERATIONS.glob("*.graphql"))
    assert files, "no operations found"
    # One document: the operations use the fragments of fragments.graphql.
    document = parse("\n".join(f.read_text() for f in files))
    errors = validate(schema, document)
    assert not errors, "\n".join(str(e) for e in errors)
    names = [d.name.value for d in document.definitions if getattr(d, "name", None)]
    assert len(names) == len(set(names)), "an operation or fragment name is used twice"


def test_the_committed_client_is_what_the_operations_generate(tmp_path: Path) -> None:
    try:
        fresh = codegen.generate("kiosk", tmp_path)
    except codegen.CodegenMissing as exc:
        pytest.fail(str(exc))
    committed = codegen.package("kiosk")

    def files(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*.py")}

    assert files(fresh) == files(committed), "regenerate: python -m clients.kiosk.regenerate"
    differ = [
        name
        for name in sorted(files(fresh))
        if not filecmp.cmp(fresh / name, committed / name, shallow=False)
    ]
    assert not differ, f"{differ} differ: run python -m clients.kiosk.regenerate"
