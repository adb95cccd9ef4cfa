"""`rapport-callcenter`: the App, its global keys and the wiring between screens."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from .api import HubClient, HubError, HubUnreachable, NotAuthorized
from .messages import HubFailed, OpenProfile, SessionCheck, SignedIn, Unreachable
from .models import Profile, UserError
from .options import Options, parse_options
from .screens.find_caller import FindCallerScreen
from .screens.help import HelpScreen
from .screens.profile import ProfileScreen
from .screens.sign_in import SignInScreen
from .screens.unreachable import UnreachableScreen

SESSION_ENDED = "Your session has ended; please sign in again."
RECHECK_SECONDS = 10.0


class CallCenterApp(App[None]):
    """The agent desktop. Pass the `HubClient` in, so tests can aim it at any hub."""

    CSS_PATH = "callcenter.tcss"
    TITLE = "Rapport"
    SUB_TITLE = "agent desktop"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, client: HubClient, options: Options | None = None) -> None:
        super().__init__()
        self.client = client
        self.options = options or Options(hub_url=client.hub_url, key=client.key)
        self._caller = self.options.caller
        # Set while the sign-in screen covers a session that ended: (agent, open profile).
        self._resume: tuple[str | None, Profile | None] | None = None
        self._expiry: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Connecting to {self.client.hub_url}…", id="splash", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.start()

    async def on_unmount(self) -> None:
        await self.client.aclose()

    @work(exclusive=True, group="start", exit_on_error=False)
    async def start(self) -> None:
        """Reach the hub, sign in by ourselves when we have credentials, else ask."""
        try:
            await self.client.check_reachable()
        except HubUnreachable as exc:
            self.show_unreachable(str(exc), then=self.start)
            return
        options = self.options
        errors: list[UserError] = []
        if options.has_credentials and self.client.key:
            assert options.username and options.password
            try:
                errors = await self.client.sign_in(options.username, options.password)
            except NotAuthorized as exc:
                hint = "Check --key or RAPPORT_CALLCENTER_KEY, or paste the right key here."
                errors = [UserError(("key",), "UNAUTHORIZED", f"{exc} {hint}")]
            except HubUnreachable as exc:
                self.show_unreachable(str(exc), then=self.start)
                return
            if not errors:
                self.signed_in()
                return
        self.push_screen(SignInScreen(self.client, options.username, errors))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast as written, never as markup: what it says comes from customers (a
        name, a stated preference) and the hub; "[/]" there would end the app."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def show_unreachable(self, reason: str, then: Callable[[], object] | None = None) -> None:
        if isinstance(self.screen, UnreachableScreen):
            return

        def retried(_: None) -> None:
            if then is not None:
                then()

        self.push_screen(UnreachableScreen(self.client, reason), retried)

    def signed_in(self) -> None:
        """Sign-in done: find the caller (popping their profile when we know the number)."""
        self._watch_expiry()
        if self._resume is not None:
            self.resume_session()
            return
        caller, self._caller = self._caller, None
        screen = FindCallerScreen(self.client, caller)
        if isinstance(self.screen, SignInScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def open_profile(self, profile: Profile) -> None:
        if isinstance(self.screen, ProfileScreen):
            self.switch_screen(self._profile_screen(profile))
        else:
            self.push_screen(self._profile_screen(profile))

    def _profile_screen(self, profile: Profile) -> ProfileScreen:
        return ProfileScreen(self.client, profile, self.options.export_dir)

    @work(exclusive=True, group="session", exit_on_error=False)
    async def action_sign_out(self) -> None:
        await self.client.sign_out()
        self._resume = None
        if self._expiry is not None:
            self._expiry.stop()
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(SignInScreen(self.client, self.options.username))

    # -- the agent's session ------------------------------------------------------------------

    def _watch_expiry(self) -> None:
        """Look again when the hub said the token runs out, so the agent is asked at once."""
        if self._expiry is not None:
            self._expiry.stop()
        expires = self.client.session_expires_at
        if expires is not None:
            left = (expires - datetime.now(UTC)).total_seconds()
            self._expiry = self.set_timer(max(1.0, left + 0.5), self.check_session)

    @work(exclusive=True, group="session-check", exit_on_error=False)
    async def check_session(self) -> None:
        """Show the sign-in screen once the hub no longer takes the agent's token."""
        if not self.client.signed_in or self._resume is not None:
            return
        try:
            await self.client.check_session()
        except NotAuthorized:
            self.session_ended()
        except HubError:
            pass  # unreachable or failing: whatever the agent does next says so
        else:  # still taken (the hub's clock differs from ours): look again shortly
            expires = self.client.session_expires_at
            if expires is not None and expires <= datetime.now(UTC):
                self._expiry = self.set_timer(RECHECK_SECONDS, self.check_session)

    def session_ended(self) -> None:
        """The hub refused the token (expired or revoked): sign in again over the work."""
        if self._resume is not None or any(isinstance(s, SignInScreen) for s in self.screen_stack):
            return
        if self._expiry is not None:
            self._expiry.stop()
        profile = next(
            (
                s.profile
                for s in reversed(self.screen_stack)
                if isinstance(s, ProfileScreen) and not s.erased
            ),
            None,
        )
        self._resume = (self.client.agent, profile)
        errors = [UserError((), "SESSION", SESSION_ENDED)]
        self.push_screen(SignInScreen(self.client, self.client.agent, errors))

    @work(exclusive=True, group="session", exit_on_error=False)
    async def resume_session(self) -> None:
        """Back to the caller after signing in again."""
        assert self._resume is not None
        (agent, profile), self._resume = self._resume, None
        if agent == self.client.agent:  # the same agent: everything as it was, refreshed
            await self.pop_screen()
            for screen in self.screen_stack:
                resumed = getattr(screen, "session_resumed", None)
                if callable(resumed):
                    resumed()
            return
        # Someone else at this desk: start clean, the caller's profile read afresh for them.
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(FindCallerScreen(self.client))
        if profile is not None:
            await self.push_screen(self._profile_screen(profile.card()))

    def handle_hub_error(self, exc: HubError) -> None:
        """One place that turns the hub's failures into something the agent can act on."""
        if isinstance(exc, NotAuthorized) and self.client.signed_in:
            self.session_ended()
        elif isinstance(exc, HubUnreachable):
            self.show_unreachable(str(exc))
        else:
            self.notify(str(exc), title="Hub", severity="error")

    # -- what the screens ask of the app --------------------------------------------------------

    def on_hub_failed(self, message: HubFailed) -> None:
        self.handle_hub_error(message.error)

    def on_open_profile(self, message: OpenProfile) -> None:
        self.open_profile(message.profile)

    def on_session_check(self, _: SessionCheck) -> None:
        self.check_session()

    def on_unreachable(self, message: Unreachable) -> None:
        self.show_unreachable(message.detail)

    def on_signed_in(self, _: SignedIn) -> None:
        self.signed_in()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys and what each screen is for", self.action_help)
        if self.client.signed_in:
            yield SystemCommand("Sign out", "End this agent session", self.action_sign_out)
        yield from _binding_commands(screen)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers do not exit the app on error; an unexpected one is still said, not hidden.
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if isinstance(error, HubError):
                self.handle_hub_error(error)
            else:
                self.notify(f"{error.__class__.__name__}: {error}", title="Error", severity="error")
                self.log.error(error)


def _binding_commands(screen: Screen[object]) -> Iterable[SystemCommand]:
    """Every action the screen offers on a key, for the command palette."""
    helps: dict[str, str] | None = getattr(screen, "COMMAND_HELP", None)
    for binding in screen.BINDINGS:
        if not isinstance(binding, Binding) or binding.action.startswith("app."):
            continue
        name = binding.action.partition("(")[0]
        wanted = name in helps if helps is not None else binding.show
        if name == "back" or not wanted or not screen.check_action(name, ()):
            continue

        async def run(action: str = binding.action) -> None:
            await screen.run_action(action)

        label = binding.tooltip or binding.description  # the tooltip is the longer name
        title = f"{label} ({binding.key_display or binding.key})"
        yield SystemCommand(title, (helps or {}).get(name, binding.description), run)


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    app = CallCenterApp(HubClient(options.hub_url, options.key), options)
    app.run()
    sys.exit(app.return_code or 0)
