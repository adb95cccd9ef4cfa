"""Add a note to the profile, signed by the agent."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, TextArea

from ..api import new_message_id
from ..models import UserError
from .base import FieldError, FormDialog


class NoteDialog(FormDialog):
    TITLE = "Add a note"

    def fields(self) -> ComposeResult:
        yield Label("Note (visible to every agent)")
        yield TextArea(id="text", soft_wrap=True)
        yield FieldError(id="text-error")

    sent = ""  # the text last sent under `message_id`

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    async def submit(self) -> list[UserError]:
        text = self.query_one(TextArea).text.strip()
        if not text:
            return [UserError(("text",), "REQUIRED", "Write the note first.")]
        if text != self.sent:
            # Another text is another note: the id of one whose send failed is not reused
            # for it (the hub would answer with the first text, stored under that id).
            self.message_id, self.sent = new_message_id(), text
        errors, self.answer = await self.client.add_note(self.profile.id, text, self.message_id)
        if not errors:
            self.app.notify("Note added", title=self.profile.name)
        return errors
