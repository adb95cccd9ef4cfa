"""Log the call with a wrap-up code: a CALL event that feeds learning and reporting."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from ..models import UserError
from .base import FieldError, FormDialog

WRAP_UP_CODES = (
    ("Resolved: question answered", "RESOLVED"),
    ("Order placed", "ORDER_PLACED"),
    ("Return or exchange arranged", "RETURN_ARRANGED"),
    ("Delivery enquiry", "DELIVERY_ENQUIRY"),
    ("Complaint", "COMPLAINT"),
    ("Call back needed", "CALLBACK_NEEDED"),
    ("Preferences updated", "PREFERENCES_UPDATED"),
    ("No action", "NO_ACTION"),
)


class WrapUpDialog(FormDialog):
    TITLE = "Wrap up and log the call"
    SAVE_LABEL = "Log call"

    def fields(self) -> ComposeResult:
        yield Label("Wrap-up code")
        yield Select(WRAP_UP_CODES, value="RESOLVED", allow_blank=False, id="wrapUp")
        yield FieldError(id="wrapUp-error")
        yield Label("Summary (optional)")
        yield Input(placeholder="one line on what happened", id="summary")
        yield FieldError(id="summary-error")

    def on_input_submitted(self) -> None:
        self.save()

    async def submit(self) -> list[UserError]:
        identifier = self.profile.best_identifier
        if identifier is None:
            return [UserError((), "NO_IDENTIFIER", "This profile has no identifier to log with.")]
        properties = {"wrapUp": str(self.query_one("#wrapUp", Select).value)}
        summary = self.query_one("#summary", Input).value.strip()
        if summary:
            properties["summary"] = summary
        if self.client.agent:
            properties["agent"] = self.client.agent
        errors = await self.client.record_event(
            identifier,
            "CALL",
            properties,
            profile_id=self.profile.id,
            message_id=self.message_id,
        )
        if not errors:
            self.app.notify(f"Call logged: {properties['wrapUp']}", title=self.profile.name)
        return errors
