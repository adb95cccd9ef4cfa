"""The code on a mailing the caller reads out, recorded as their reply for the open profile."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label

from ..models import UserError
from .base import FieldError, FormDialog


class ResponseCodeDialog(FormDialog):
    TITLE = "Mailing code"
    SAVE_LABEL = "Record reply"

    def fields(self) -> ComposeResult:
        yield Label("The code on the caller's letter or email (8 characters; dashes are fine)")
        yield Input(id="code", placeholder="K7QM-2XPA", max_length=40)
        yield FieldError(id="code-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    async def on_input_submitted(self, _: Input.Submitted) -> None:
        self.save()

    async def submit(self) -> list[UserError]:
        code = self.query_one(Input).value.strip()
        if not code:
            return [UserError(("code",), "REQUIRED", "Type the code the caller reads out.")]
        first_name, duplicate, errors = await self.client.redeem_response_code(
            self.profile.id, code
        )
        if not errors:
            who = first_name or self.profile.name
            if duplicate:
                self.app.notify(f"{who}'s reply to that mailing was already recorded.")
            else:
                self.app.notify(f"Reply to the mailing recorded for {who}.", title="Mailing code")
        return errors
