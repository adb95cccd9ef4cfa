"""Type the number of an incoming call to pop the caller's profile."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from .base import DialogBox


class IncomingCallDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with DialogBox(classes="dialog") as box:
            box.border_title = "Incoming call"
            yield Label("Caller's number, in any format")
            yield Input(placeholder="07700 900123 or +44 7700 900123", id="number")
            with Horizontal(classes="buttons"):
                yield Button("Open caller", variant="primary", id="open")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#open")
    def open_caller(self) -> None:
        number = self.query_one(Input).value.strip()
        self.dismiss(number or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
