"""Consent per purpose: each switch is saved at once and answers next to itself."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Button, Label, Switch

from ..api import HubClient, HubError
from ..hub_api.enums import ConsentPurpose
from ..models import Profile
from ..widgets.profile_panels import PURPOSE_LABELS
from .base import CustomerDialog, DialogBox, FieldError, in_plain_words

PURPOSES = tuple(purpose.value for purpose in ConsentPurpose)


class ConsentDialog(CustomerDialog):
    """Closes with the profile the last saved switch answered with (False: nothing saved)."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, client: HubClient, profile: Profile) -> None:
        super().__init__()
        self.client = client
        self.profile = profile
        self.answer: Profile | None = None
        self._settling: set[str] = set()

    def compose(self) -> ComposeResult:
        with DialogBox(classes="dialog") as box:
            box.border_title = "Consent by purpose"
            box.border_subtitle = escape(self.profile.name)
            yield Label("Space toggles; each change is saved at once and audited.", classes="hint")
            for purpose in PURPOSES:
                consent = self.profile.consent(purpose)
                with Horizontal(classes="consent-row"):
                    yield Switch(value=bool(consent and consent.granted), id=f"consent-{purpose}")
                    yield Label(PURPOSE_LABELS.get(purpose, purpose.title()), classes="purpose")
                    status = "not asked yet" if consent is None or consent.is_default else ""
                    yield Label(status, id=f"status-{purpose}", classes="consent-status")
                yield FieldError(id=f"{purpose}-error")
            with Horizontal(classes="buttons"):
                yield Button("Done", variant="primary", id="done")

    @on(Button.Pressed, "#done")
    def action_close(self) -> None:
        self.dismiss(self.answer if self.answer is not None else False)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        purpose = (event.switch.id or "").removeprefix("consent-")
        if purpose in self._settling:
            self._settling.discard(purpose)  # our own revert after a refusal
            return
        self.save(purpose, event.value)

    @work(exit_on_error=False)
    async def save(self, purpose: str, granted: bool) -> None:
        status = self.query_one(f"#status-{purpose}", Label)
        error = self.query_one(f"#{purpose}-error", FieldError)
        status.update("saving…")
        error.say("")
        try:
            errors, answer = await self.client.set_consent(self.profile.id, purpose, granted)
        except HubError as exc:
            errors = []
            error.say(str(exc))
            failed = True
        else:
            failed = bool(errors)
            error.say("\n".join(e.message for e in in_plain_words(errors)))
        if failed:
            status.update("not saved")
            self._settling.add(purpose)
            self.query_one(f"#consent-{purpose}", Switch).value = not granted
            return
        self.answer = answer or self.answer
        status.update("granted ✔ saved" if granted else "withdrawn ✔ saved")
