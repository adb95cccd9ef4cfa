"""Export everything the hub holds on the customer to a JSON file (their right of access)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Button, Input, Label

from ..api import HubClient
from ..export import ExportNotSaved, save_export, usable_folder
from ..models import Profile, UserError
from .base import FieldError, FormDialog


class ExportDialog(FormDialog):
    TITLE = "Export the profile"
    SAVE_LABEL = "Export"

    def __init__(self, client: HubClient, profile: Profile, directory: str) -> None:
        super().__init__(client, profile)
        self.directory = str(Path(directory).expanduser().absolute())
        self.saved_to: Path | None = None

    def fields(self) -> ComposeResult:
        yield Label(
            "Everything held on this customer, as one JSON file (audited). "
            "Hand it over only to the customer, through a channel they asked for.",
            classes="hint",
        )
        yield Label("Folder")
        yield Input(value=self.directory, id="directory")
        yield FieldError(id="directory-error")
        yield Label("", id="saved", markup=False)

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def on_input_submitted(self) -> None:
        self.save()

    async def submit(self) -> list[UserError]:
        self.query_one("#saved", Label).update("")
        typed = self.query_one("#directory", Input).value.strip()
        try:  # before asking the hub: an export is audited
            folder = await asyncio.to_thread(usable_folder, typed)
        except ExportNotSaved as exc:
            return [UserError(("directory",), "NOT_FOUND", str(exc))]
        document, errors = await self.client.export_profile(self.profile.id)
        if errors:
            return errors
        if document is None:
            return [UserError((), "EMPTY", "The hub sent no document.")]
        try:
            self.saved_to = await asyncio.to_thread(save_export, folder, self.profile.id, document)
        except ExportNotSaved as exc:
            return [UserError(("directory",), "NOT_SAVED", str(exc))]
        return []

    def succeeded(self) -> None:
        # Stays open: the agent needs to read (or copy) where the file went.
        self.query_one("#saved", Label).update(f"✔ Saved to {self.saved_to}")
        self.query_one("#cancel", Button).label = "Close"
        self.query_one("#save", Button).label = "Export again"
        self.query_one("#cancel", Button).focus()
        self.app.notify(f"Saved to {self.saved_to}", title="Export")
