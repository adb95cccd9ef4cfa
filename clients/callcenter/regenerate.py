"""Regenerate the agent app's typed hub client (`hub_api/`) from the operations in `operations/`.

    .venv/bin/python -m clients.callcenter.regenerate

The work is clients/codegen.py's (shared with the kiosk); the settings are pyproject.toml's
`[tool.rapport-codegen.callcenter]`. tests/callcenter/test_operations.py regenerates into a
temporary folder and compares.
"""

from __future__ import annotations

from pathlib import Path

from clients import codegen
from clients.codegen import CodegenMissing

__all__ = ["PACKAGE", "CodegenMissing", "generate", "main"]

APP = "callcenter"
PACKAGE = codegen.package(APP)


def generate(target: Path) -> Path:
    """Write the generated package into the folder `target`; returns the package's path."""
    return codegen.generate(APP, target)


def main() -> None:
    codegen.main([APP])


if __name__ == "__main__":
    main()
