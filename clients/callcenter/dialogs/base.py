"""A form in a modal box whose hub errors appear next to the field they are about."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from ..api import HubClient, HubError, NotAuthorized, new_message_id
from ..messages import HubFailed
from ..models import Profile, UserError

GONE = (
    "Not saved: this customer's profile is no longer there (erased or merged elsewhere). "
    "Close this and find the caller again."
)


def in_plain_words(errors: list[UserError]) -> list[UserError]:
    """The hub's errors, with "There is no profile “…”" (the customer erased or merged away
    while the dialog was open) said as the agent can act on it, under the whole form."""
    return [
        UserError((), e.code, GONE) if e.code == "NOT_FOUND" and e.field_name == "profileId" else e
        for e in errors
    ]


class FieldError(Label):
    """The hub's (or our own) word on one field; empty while all is well."""

    DEFAULT_CSS = """
    FieldError { color: $text-error; height: auto; display: none; }
    FieldError.-shown { display: block; }
    """

    def say(self, text: str) -> None:
        self.update(Content(text))  # as written: the hub's words may quote what was typed
        self.set_class(bool(text), "-shown")


class DialogBox(VerticalScroll, can_focus=False):
    """The bordered box of a dialog; it scrolls on small terminals but never takes focus."""


class CustomerDialog(ModalScreen[Profile | bool]):
    """A dialog about one customer, opened from their profile screen: when the customer is
    erased elsewhere it closes (False: nothing to take), leaving nothing of theirs on screen;
    one under another screen (the sign-in, the hub unreachable) is emptied at once and closes
    as soon as it is back on top."""

    erased = False

    def customer_erased(self) -> None:
        self.erased = True
        for box in self.query(DialogBox):
            box.border_subtitle = ""
            box.remove_children()
        if self.is_active:
            self.dismiss(False)

    def on_screen_resume(self) -> None:
        if self.erased:
            self.dismiss(False)

    def profile_shown(self, profile: Profile) -> None:
        """The profile screen below shows a newer read of the customer (a change made
        elsewhere while this is open); a dialog showing what the hub holds follows it."""


class FormDialog(CustomerDialog):
    """Subclasses yield their fields and implement `submit`; on success the dialog closes with
    the profile the write answered with (`answer`), else True; False when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]
    TITLE = "Form"
    SAVE_LABEL = "Save"

    def __init__(self, client: HubClient, profile: Profile) -> None:
        super().__init__()
        self.client = client
        self.profile = profile
        self.answer: Profile | None = None  # the profile the hub answered the write with
        self.saving = False  # a save is waiting for the hub's answer
        # The event or note this form records, named once: saved again after a timeout (the
        # hub may have stored it, the answer lost on the way), the hub stores it once.
        self.message_id = new_message_id()

    def compose(self) -> ComposeResult:
        with DialogBox(classes="dialog") as box:
            box.border_title = self.TITLE
            box.border_subtitle = escape(self.profile.name)
            yield from self.fields()
            yield FieldError(id="form-error")
            with Horizontal(classes="buttons"):
                yield Button(self.SAVE_LABEL, variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    async def submit(self) -> list[UserError]:
        raise NotImplementedError

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.save()

    def save(self) -> None:
        """Save once: a second Ctrl+S (or Enter) while the hub has not answered the first is
        ignored. Cancelling the first would only stop waiting for a write the hub may already
        have made, and then send it again: two notes, two logged calls."""
        if not self.saving:
            self.saving = True  # before the worker starts: a key press may come first
            self._save()

    @work(exclusive=True, exit_on_error=False)
    async def _save(self) -> None:
        self.show_errors([])
        button = self.query_one("#save", Button)
        button.loading = True
        try:
            errors = await self.submit()
        except NotAuthorized as exc:
            # What was typed stays here: the app asks the agent to sign in, then comes back.
            message = "Not saved: your session has ended. Sign in again, then save."
            self.show_errors([UserError((), "UNAUTHORIZED", message)])
            self.post_message(HubFailed(exc))
            return
        except HubError as exc:
            self.show_errors([UserError((), "HUB", str(exc))])
            return
        finally:
            button.loading = False
            self.saving = False
        if errors:
            self.show_errors(in_plain_words(errors))
        else:
            self.succeeded()

    def succeeded(self) -> None:
        """The write went through: close, handing the screen below the hub's answer."""
        self.dismiss(self.answer if self.answer is not None else True)

    def show_errors(self, errors: list[UserError]) -> None:
        """Put each error under its field; the rest (or unknown fields) under the form."""
        by_field: dict[str, list[str]] = {}
        for error in errors:
            target = error.field_name
            try:
                self.query_one(f"#{target}-error", FieldError)
            except (NoMatches, ValueError):
                target = "form"
            prefix = f"{error.field_name}: " if target == "form" and error.field_name else ""
            by_field.setdefault(target, []).append(prefix + error.message)
        for widget in self.query(FieldError):
            name = (widget.id or "").removesuffix("-error")
            widget.say("\n".join(by_field.get(name, [])))
