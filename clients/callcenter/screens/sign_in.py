"""Agent sign-in: username and password swapped for a session token."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label

from ..api import HubClient, HubError, HubUnreachable, NotAuthorized
from ..dialogs.base import FieldError
from ..messages import SignedIn, Unreachable
from ..models import UserError


class SignInScreen(Screen[None]):
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit")]
    AUTO_FOCUS = "#username"

    def __init__(
        self,
        client: HubClient,
        username: str | None = None,
        errors: list[UserError] | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.username = username or ""
        self.errors = errors or []
        refused = any(e.field_name == "key" for e in self.errors)
        self.asks_for_key = not client.key or refused  # a refused key can be corrected here

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="sign-in", classes="card") as card:
            card.border_title = "Rapport · agent sign-in"
            card.border_subtitle = self.client.hub_url
            if self.asks_for_key:
                yield Label("Call-center key")
                yield Input(password=True, id="key", placeholder="RAPPORT_CALLCENTER_KEY")
                yield FieldError(id="key-error")
            yield Label("Username")
            yield Input(value=self.username, id="username")
            yield FieldError(id="username-error")
            yield Label("Password")
            yield Input(password=True, id="password")
            yield FieldError(id="password-error")
            yield FieldError(id="form-error")
            yield Button("Sign in", variant="primary", id="sign-in-button")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if not self.query(Input):
            return  # the app quit before this screen composed (see ProfileScreen.on_mount)
        if any(e.field_name == "key" for e in self.errors):
            self.query_one("#key", Input).focus()
        elif self.username:
            self.query_one("#password", Input).focus()
        self._show(self.errors)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        empty = [i for i in inputs if not i.value]
        if empty:
            empty[0].focus()
        else:
            self.sign_in()

    @on(Button.Pressed, "#sign-in-button")
    def _pressed(self) -> None:
        self.sign_in()

    @work(exclusive=True, exit_on_error=False)
    async def sign_in(self) -> None:
        if self.asks_for_key:
            self.client.key = self.query_one("#key", Input).value.strip() or None
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        missing = [
            UserError((name,), "REQUIRED", f"Enter your {name}.")
            for name, value in (("username", username), ("password", password))
            if not value
        ]
        if missing:
            self._show(missing)
            return
        self._show([])
        self.query_one("#sign-in-button", Button).loading = True
        try:
            errors = await self.client.sign_in(username, password)
        except NotAuthorized:
            errors = [UserError(("key",), "UNAUTHORIZED", _KEY_REFUSED)]
        except HubUnreachable as exc:
            self.post_message(Unreachable(str(exc)))
            errors = []
        except HubError as exc:
            errors = [UserError((), "HUB", str(exc))]
        self.query_one("#sign-in-button", Button).loading = False
        if any(e.field_name == "key" for e in errors) and not self.asks_for_key:
            # The key came from the options: let the agent correct it right here.
            self.asks_for_key, self.username = True, username
            await self.recompose()
        if not errors and not self.client.signed_in:
            return  # unreachable: that screen says so
        if errors:
            self._show(errors)
            self.query_one("#password", Input).value = ""
            return
        self.post_message(SignedIn())

    def _show(self, errors: list[UserError]) -> None:
        by_field: dict[str, list[str]] = {}
        for error in errors:
            name = error.field_name
            if name not in ("key", "username", "password") or not self.query(f"#{name}-error"):
                name = "form"
            by_field.setdefault(name, []).append(error.message)
        for widget in self.query(FieldError):
            widget.say("\n".join(by_field.get((widget.id or "").removesuffix("-error"), [])))


_KEY_REFUSED = (
    "The hub refused the call-center key (HTTP 401). Check --key or RAPPORT_CALLCENTER_KEY."
)
