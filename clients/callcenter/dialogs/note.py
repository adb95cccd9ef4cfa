"""Add a note to the profile, signed by the agent."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, TextArea

from ..models import UserError
from .base import FieldError, FormDialog


class NoteDialog(FormDialog):
    TITLE = "Add a note"

    def fields(self) -> ComposeResult:
        yield Label("Note (visible to every agent)")
        yield TextArea(id="text", soft_wrap=True)
        yield FieldError(id="text-error")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    async def submit(self) -> list[UserError]:
        text = self.query_one(TextArea).text.strip()
        if not text:
            return [UserError(("text",), "REQUIRED", "Write the note first.")]
        # Saved again after a send whose fate is unknown: not stored twice.
        notes = self.profile.notes  # None: this agent may not read them, so cannot look
        before = [n.id for n in notes] if self.unsure and notes is not None else None
        errors, self.answer = await self.client.add_note(self.profile.id, text, unless_among=before)
        if not errors:
            self.app.notify("Note added", title=self.profile.name)
        return errors
