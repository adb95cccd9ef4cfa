"""Consent per purpose: each switch is saved at once and answers next to itself."""

from __future__ import annotations

from collections import Counter

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Button, Label, Switch

from ..api import HubClient, HubError, NotAuthorized
from ..hub_api.enums import ConsentPurpose
from ..messages import HubFailed
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
        self._pending: Counter[str] = Counter()  # presses per purpose not answered yet
        self._close_when_answered = False  # Done pressed while some were: close when they are

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
        """Close; with presses still unanswered, once they are (closing would cancel them)."""
        if +self._pending:
            self._close_when_answered = True
            self.query_one("#done", Button).loading = True
            return
        self.dismiss(self.answer if self.answer is not None else False)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        purpose = (event.switch.id or "").removeprefix("consent-")
        if purpose in self._settling:
            self._settling.discard(purpose)  # our own move to what the hub holds
            return
        self._pending[purpose] += 1
        self.save(purpose, event.value)

    def profile_shown(self, profile: Profile) -> None:
        """A change made elsewhere (the customer on the web): each switch not waiting for a
        press's answer shows what the hub holds now, without saving anything."""
        if not self.is_mounted or profile.version <= (self.answer or self.profile).version:
            return
        self.profile, self.answer = profile, None
        for purpose in PURPOSES:
            if self._pending[purpose]:
                continue  # its own answer has the last word
            held = self._held(purpose)
            switch = self.query_one(f"#consent-{purpose}", Switch)
            if switch.value != held:
                self._settling.add(purpose)
                switch.value = held
                changed = "granted" if held else "withdrawn"
                self.query_one(f"#status-{purpose}", Label).update(f"{changed} elsewhere")

    def _held(self, purpose: str) -> bool:
        """Granted, as the hub holds it after this dialog's last answered write."""
        consent = (self.answer or self.profile).consent(purpose)
        return bool(consent and consent.granted)

    async def _read_back(self, exc: HubError) -> Profile | None:
        """The profile as the hub holds it after a write that failed on the way; None when
        the session ended (the agent is asked to sign in again) or the hub cannot say."""
        if isinstance(exc, NotAuthorized):
            self.post_message(HubFailed(exc))  # the app asks the agent to sign in again
            return None
        try:
            return await self.client.profile(self.profile.id)
        except HubError:
            return None

    @work(exit_on_error=False)
    async def save(self, purpose: str, granted: bool) -> None:
        """One press, one write; the client sends a profile's writes in the order pressed, and
        once the last press of a purpose is answered its switch shows what the hub holds."""
        status = self.query_one(f"#status-{purpose}", Label)
        error = self.query_one(f"#{purpose}-error", FieldError)
        status.update("saving…")
        try:
            errors, answer = await self.client.set_consent(self.profile.id, purpose, granted)
        except HubError as exc:
            error.say(str(exc))
            failed = True
            # The hub may have made the write and only its answer was lost: show what it holds.
            now = await self._read_back(exc)
            if now is not None and (self.answer is None or now.version >= self.answer.version):
                self.answer = now
                if self._held(purpose) == granted:
                    error.say("")
                    failed = False
        else:
            failed = bool(errors)
            error.say("\n".join(e.message for e in in_plain_words(errors)))
            if not failed:
                self.answer = answer or self.answer
        finally:
            self._pending[purpose] -= 1
        if self._pending[purpose]:
            return  # a later press of this purpose is on its way: it has the last word
        if self._close_when_answered and not +self._pending:
            self.dismiss(self.answer if self.answer is not None else False)
            return
        held = self._held(purpose) if self.answer is not None or failed else granted
        switch = self.query_one(f"#consent-{purpose}", Switch)
        if switch.value != held:
            self._settling.add(purpose)
            switch.value = held
        if failed:
            status.update("not saved")
        else:
            status.update("granted ✔ saved" if held else "withdrawn ✔ saved")
