"""Save a profile export (the customer's right of access) as a JSON file; no Textual here."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any


class ExportNotSaved(Exception):
    """The folder is missing or not writable: said in plain words next to the field."""


def export_path(directory: Path, profile_id: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    safe_id = "".join(ch for ch in profile_id if ch.isalnum() or ch in "-_") or "profile"
    return directory / f"rapport-profile-{safe_id}-{stamp}.json"


def usable_folder(directory: str | Path) -> Path:
    folder = Path(directory or ".").expanduser().absolute()
    if not folder.is_dir():
        raise ExportNotSaved(f"There is no folder {folder}.")
    return folder


def save_export(directory: str | Path, profile_id: str, document: Any) -> Path:
    """Write the document to a new file in `directory`; never overwrites an earlier export."""
    folder = usable_folder(directory)
    path = export_path(folder, profile_id).absolute()
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    for attempt in range(1, 100):
        try:
            # Personal data: readable by the agent's account only.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # two exports in one second
            path = path.with_name(f"{path.stem.rsplit('.', 1)[0]}.{attempt}.json")
            continue
        except OSError as exc:
            raise ExportNotSaved(f"Cannot write in {folder.absolute()}: {exc.strerror}.") from exc
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return path
    raise ExportNotSaved(f"Too many exports of this profile in {folder.absolute()} this second.")
