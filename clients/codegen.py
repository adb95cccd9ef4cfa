"""Regenerate an app's typed hub client (`hub_api/`) from the operations in its `operations/`.

    .venv/bin/python -m clients.codegen [callcenter] [kiosk]   (no name: every app)

Each app's ariadne-codegen settings are one table in pyproject.toml,
`[tool.rapport-codegen.<app>]`, written out as the `[tool.ariadne-codegen]` table of a
temporary config that ariadne-codegen reads. ariadne-codegen (pinned in pyproject.toml's
`codegen` dependency group) pins graphql-core and ruff below the versions the hub pins, so it
lives in a venv of its own, `.venv/codegen` (`scripts/setup --with-tests` makes it;
`RAPPORT_ARIADNE_CODEGEN` names another binary). The result is then fixed and formatted with
the project's own ruff, so the committed package passes the checks `scripts/test` runs. Each
app's tests/<app>/test_operations.py regenerates into a temporary folder and compares.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CODEGEN = ROOT / ".venv" / "codegen" / "bin" / "ariadne-codegen"


class CodegenMissing(RuntimeError):
    """ariadne-codegen is not installed where this module looks for it."""


def codegen_binary() -> Path:
    found = Path(os.environ.get("RAPPORT_ARIADNE_CODEGEN") or CODEGEN)
    if not found.exists():
        raise CodegenMissing(
            f"{found} is missing: run `scripts/setup --with-tests` (it installs ariadne-codegen "
            "from pyproject.toml's `codegen` group into .venv/codegen)."
        )
    return found


def apps() -> dict[str, dict[str, Any]]:
    """Every app's codegen settings, by app name, as pyproject.toml writes them."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    found: dict[str, dict[str, Any]] = tool["rapport-codegen"]
    return found


def package(app: str) -> Path:
    """Where the app's committed client lives."""
    settings = apps()[app]
    return ROOT / str(settings["target_package_path"]) / str(settings["target_package_name"])


def generate(app: str, target: Path) -> Path:
    """Write the app's generated package into the folder `target`; returns the package's path."""
    settings = apps()[app]
    settings = {
        **settings,
        "schema_path": str(ROOT / settings["schema_path"]),
        "queries_path": str(ROOT / settings["queries_path"]),
        "target_package_path": str(target),
    }
    with tempfile.TemporaryDirectory(prefix="rapport-codegen-") as work:
        config = Path(work) / "pyproject.toml"
        config.write_text(_toml({"tool": {"ariadne-codegen": settings}}))
        subprocess.run(
            [str(codegen_binary()), "client", "--config", str(config)],
            cwd=work,
            check=True,
            capture_output=True,
        )
    generated = target / str(settings["target_package_name"])
    ruff = Path(sys.executable).parent / "ruff"
    # Python 3.11 spellings (X | None, StrEnum) and the project's formatting.
    fix = [str(ruff), "check", "--fix", "--unsafe-fixes", "--quiet", "--exit-zero"]
    subprocess.run([*fix, str(generated)], cwd=ROOT, check=True, capture_output=True)
    subprocess.run([str(ruff), "format", "--quiet", str(generated)], cwd=ROOT, check=True)
    return generated


def regenerate(app: str) -> Path:
    """Replace the app's committed client with a fresh one; returns its path."""
    committed = package(app)
    with tempfile.TemporaryDirectory(prefix="rapport-hub-api-") as work:
        fresh = generate(app, Path(work))
        shutil.rmtree(committed, ignore_errors=True)
        shutil.copytree(fresh, committed, ignore=shutil.ignore_patterns("__pycache__"))
    return committed


def _toml(data: dict[str, object], prefix: str = "") -> str:
    """Just enough TOML for the codegen settings: tables of strings, booleans and lists."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, object]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((f"{prefix}{_key(key)}", value))
        elif isinstance(value, bool):
            lines.append(f"{_key(key)} = {'true' if value else 'false'}")
        elif isinstance(value, list):
            lines.append(f"{_key(key)} = [{', '.join(_string(str(v)) for v in value)}]")
        else:
            lines.append(f"{_key(key)} = {_string(str(value))}")
    text = "\n".join(lines) + "\n"
    for name, table in tables:
        text += f"\n[{name}]\n" + _toml(table, f"{name}.")
    return text


def _key(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").isalnum() else _string(key)


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv: list[str] | None = None) -> None:
    names = argv if argv is not None else sys.argv[1:]
    for app in names or sorted(apps()):
        print(f"regenerated {regenerate(app).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
