"""Find the caller: screen pop by number, or search as you type."""

from __future__ import annotations

import asyncio
import re

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Label

from ..api import HubClient, HubError, HubFailure
from ..dialogs.incoming_call import IncomingCallDialog
from ..messages import HubFailed, OpenProfile
from ..models import Profile
from ..widgets.results import ResultsTable
from .conflicts import ConflictsScreen

# A caller look-up the hub could not serve for now is tried again after this, then twice as
# long each time up to the cap, while the search screen is on top.
RETRY_FIRST_SECONDS = 2.0
RETRY_MAX_SECONDS = 30.0

_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")
_DIGITS = re.compile(r"^\d+$")


def identifier_guesses(text: str) -> list[tuple[str, str]]:
    """Exact identifier look-ups worth trying for what was typed, besides the text search."""
    text = text.strip()
    if "@" in text:
        return [("EMAIL", text)]
    guesses = []
    if _DIGITS.match(text):
        guesses.append(("CRM_ID", text))
    if _PHONE.match(text):
        guesses.append(("PHONE", text))
    if re.fullmatch(r"[A-Za-z]{1,4}[-\s]?\d{3,}", text):
        guesses.append(("LOYALTY_ID", text))
    return guesses


class FindCallerScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("f2", "incoming_call", "Incoming call"),
        Binding("enter", "open_highlighted", "Open", show=False),
        Binding("down", "focus_results", "Results", show=False),
        Binding("f3", "conflicts", "Review", tooltip="Identity review"),
        Binding("ctrl+l", "app.sign_out", "Sign out"),
    ]
    AUTO_FOCUS = "#query"
    COMMAND_HELP = {
        "incoming_call": "Type a caller's number to pop their profile",
        "conflicts": "Identity review: shared devices and possible duplicates",
        "focus_search": "Back to the search box",
    }

    def __init__(self, client: HubClient, caller: str | None = None) -> None:
        super().__init__()
        self.client = client
        self.caller = caller
        # A caller whose look-up failed: looked up again when this screen is back on top (the
        # hub reachable again, the agent signed in again), as a profile whose read failed is.
        self.unpopped: str | None = None
        self.retry_wait = RETRY_FIRST_SECONDS
        self.retry_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        agent = f"  ·  agent {self.client.agent}" if self.client.agent else ""
        yield Label(f"Rapport  ·  find the caller{agent}", id="title-bar", markup=False)
        yield Input(
            placeholder="Find the caller: name, email, phone (any format), loyalty or CRM id",
            id="query",
        )
        yield Label(
            "Type at least two characters, or press F2 for an incoming call.",
            id="status",
            markup=False,
        )
        yield ResultsTable(id="results")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.caller:
            self.screen_pop(self.caller)

    def on_screen_resume(self) -> None:
        if self.unpopped:
            self.screen_pop(self.unpopped)

    def pop_again(self) -> None:
        """A transient failure's timer: look the caller up again unless another pop (F2, a
        new call) or another screen came first."""
        self.retry_timer = None
        if self.unpopped and self.is_current:
            self.screen_pop(self.unpopped)

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def action_incoming_call(self) -> None:
        def pop(number: str | None) -> None:
            if number:
                self.screen_pop(number)

        self.app.push_screen(IncomingCallDialog(), pop)

    def new_call(self) -> None:
        """Forget the last caller's search: the next call starts clean."""
        self.query_one("#query", Input).value = ""
        self.query_one(ResultsTable).show([], "")
        self.query_one("#query", Input).focus()

    def forget(self, profile_id: str) -> None:
        """Take a profile (erased elsewhere) out of the results on screen."""
        self.query_one(ResultsTable).forget(profile_id)

    def action_conflicts(self) -> None:
        self.app.push_screen(ConflictsScreen(self.client))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True

    def action_focus_results(self) -> None:
        table = self.query_one(ResultsTable)
        if table.row_count:
            table.focus()

    def action_open_highlighted(self) -> None:
        profile = self.query_one(ResultsTable).highlighted
        if profile is not None:
            self.post_message(OpenProfile(profile))

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        if event.value.strip() != (self.unpopped or "").strip():
            self.unpopped = None  # the agent looks for someone else now
        self.search(event.value)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        table = self.query_one(ResultsTable)
        if table.shown_for != event.value.strip():
            # The results below are for what was typed before: search now, then open.
            self.search(event.value, submitted=True)
        elif table.row_count == 1:
            self.action_open_highlighted()
        elif table.row_count:
            table.focus()

    @on(DataTable.RowSelected, "#results")
    def _selected(self) -> None:
        self.action_open_highlighted()

    @work(exclusive=True, group="search", exit_on_error=False)
    async def search(self, text: str, submitted: bool = False) -> None:
        """Search as the agent types; `submitted` (Enter pressed before the results for this
        text came): open the only hit, or go to the list."""
        text = text.strip()
        status = self.query_one("#status", Label)
        table = self.query_one(ResultsTable)
        if len(text) < 2:
            table.show([], text)
            status.update("Type at least two characters, or press F2 for an incoming call.")
            return
        if not submitted:
            await asyncio.sleep(0.2)  # debounce: a newer keystroke cancels this worker
        status.update(f"Searching for “{text}”…")
        try:
            hits = await self._lookups(text)
            hits += await self.client.search(text, first=25)
        except HubError as exc:
            self.post_message(HubFailed(exc))
            status.update(str(exc))
            return
        unique = list({p.id: p for p in hits}.values())
        table.show(unique, text)
        status.update(
            f"{len(unique)} match{'es' if len(unique) != 1 else ''} for “{text}”"
            + ("  ·  ↓ to choose, Enter to open" if unique else "")
        )
        if submitted and len(unique) == 1:
            self.action_open_highlighted()
        elif submitted and unique:
            table.focus()

    async def _lookups(self, text: str) -> list[Profile]:
        found = []
        for kind, value in identifier_guesses(text):
            try:
                profile = await self.client.find_profile(kind, value)
            except HubFailure:
                continue  # only a guess: the hub may well refuse it as that kind of identifier
            if profile is not None:
                found.append(profile)
        return found

    @work(exclusive=True, group="pop", exit_on_error=False)
    async def screen_pop(self, number: str) -> None:
        if self.retry_timer is not None:
            self.retry_timer.stop()
            self.retry_timer = None
        if number != self.unpopped:
            self.retry_wait = RETRY_FIRST_SECONDS
        status = self.query_one("#status", Label)
        status.update(f"Incoming call from {number}…")
        try:
            profile = await self.client.find_profile("PHONE", number)
        except HubError as exc:
            self.unpopped = number
            if isinstance(exc, HubFailure) and exc.transient:
                # The hub answered but could not serve it now (its database away, a failover):
                # this screen stays on top, so nothing else would look the caller up again.
                wait = self.retry_wait
                self.retry_wait = min(wait * 2, RETRY_MAX_SECONDS)
                self.retry_timer = self.set_timer(wait, self.pop_again)
                status.update(
                    f"Could not look up {number}: {exc}  ·  looked up again in {wait:g} s"
                    " (F2 to try now)"
                )
                return
            status.update(
                f"Could not look up {number}: {exc}  ·  looked up again once the hub answers"
                " (F2 to try now)"
            )
            self.post_message(HubFailed(exc))
            return
        self.unpopped = None
        self.retry_wait = RETRY_FIRST_SECONDS
        if profile is not None:
            self.post_message(OpenProfile(profile))
            return
        query = self.query_one("#query", Input)
        query.value = number
        self.app.notify(f"No profile has the number {number}; searching instead.", title="Caller")
