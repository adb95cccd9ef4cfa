"""The 360° view of one customer, followed live while the call lasts."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer

from ..api import HubClient, HubError
from ..dialogs.consent import ConsentDialog
from ..dialogs.link import LinkDialog
from ..dialogs.note import NoteDialog
from ..dialogs.preference import PreferenceDialog
from ..dialogs.split import SplitDialog
from ..dialogs.survey import SurveyDialog
from ..dialogs.wrap_up import WrapUpDialog
from ..messages import LiveStatus, ProfileChanged
from ..models import Profile, Recommendation
from ..widgets.call_clock import CallClock
from ..widgets.fit_table import FitTable
from ..widgets.live_badge import LiveBadge
from ..widgets.profile_panels import (
    AuditPanel,
    ConsentPanel,
    GreetingBar,
    IdentifiersPanel,
    MergeJournalPanel,
    NotesPanel,
    OrdersPanel,
    Panel,
    PreferenceTable,
    RecommendationsPanel,
    SegmentsPanel,
    Timeline,
)
from .find_caller import FindCallerScreen

if TYPE_CHECKING:
    from ..app import CallCenterApp

RECONNECT_FIRST, RECONNECT_MAX = 0.5, 5.0


class ProfileScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide")]
    AUTO_FOCUS = "#timeline FitTable"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("p", "preference", "Likes", tooltip="Record a preference"),
        Binding("c", "consent", "Consent"),
        Binding("n", "note", "Note"),
        Binding("v", "survey", "Survey"),
        Binding("a", "accept", "Accept pick", show=False),  # advertised on the picks panel
        Binding("x", "reject", "Reject pick", show=False),
        # Identity work is rarer than the call itself: on the palette and help, not the footer.
        Binding("l", "link", "Link profiles", show=False),
        Binding("j", "journal", "Merge journal", show=False),
        Binding("w", "wrap_up", "Wrap up"),
        Binding("r", "reload", "Reload", show=False),
    ]
    COMMAND_HELP = {
        "preference": "Record a like or dislike the customer states",
        "consent": "Grant or withdraw consent per purpose",
        "note": "Add a note to this profile",
        "survey": "Answer the 'serve you better' survey on the customer's behalf",
        "accept": "Accept the highlighted recommendation (recorded as an event)",
        "reject": "Reject the highlighted recommendation (recorded as an event)",
        "link": "Link with another profile the customer confirms is theirs",
        "journal": "Merge journal: split a wrong merge back into two profiles",
        "wrap_up": "Log the call with a wrap-up code",
        "reload": "Reload the profile from the hub",
        "back": "Back to finding a caller",
    }

    def __init__(self, client: HubClient, profile: Profile) -> None:
        super().__init__()
        self.client = client
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Horizontal(id="greeting-row"):
            yield GreetingBar(id="greeting")
            yield CallClock(id="call-clock")
            yield LiveBadge(id="live")
        with Container(id="columns"):
            with Vertical(id="col-left", classes="column"):
                yield IdentifiersPanel("Identifiers", id="identifiers")
                yield ConsentPanel("Consent", id="consents")
                yield SegmentsPanel("Segments", id="segments")
                yield NotesPanel("Notes", id="notes")
                yield MergeJournalPanel("Merge journal", id="merges")
            with Vertical(id="col-middle", classes="column"):
                yield RecommendationsPanel("For this call", id="recommendations")
                yield PreferenceTable("Stated preferences", learned=False, id="explicit")
                yield PreferenceTable("Learned interests", learned=True, id="learned")
            with Vertical(id="col-right", classes="column"):
                yield Timeline("Activity across touchpoints", id="timeline")
                yield OrdersPanel("Orders and returns", id="orders")
                yield AuditPanel("Audit trail", id="audit")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show(self.profile)
        if not self.profile.complete:
            self.query_one("#columns").loading = True
            self.reload()
        self.follow_changes()

    @property
    def _app(self) -> CallCenterApp:
        return cast("CallCenterApp", self.app)

    def _show(self, profile: Profile) -> None:
        self.profile = profile
        self.query_one(GreetingBar).show(profile, self.client.agent, loading=not profile.complete)
        for panel in self.query(Panel):
            try:
                panel.show(profile)
            except NoMatches:
                # The panel's own widgets are not mounted yet (a screen pop right at start):
                # paint it once they are.
                self.call_after_refresh(panel.show, profile)
        self.refresh_bindings()
        self.load_audit()

    @work(exclusive=True, group="audit", exit_on_error=False)
    async def load_audit(self) -> None:
        entries = await self.client.audit_log(self.profile.id)
        self.query_one(AuditPanel).show_entries(entries)

    # -- live ---------------------------------------------------------------------------------

    @work(exclusive=True, group="live", exit_on_error=False)
    async def follow_changes(self) -> None:
        """Follow the profile for as long as the screen is open, reconnecting after drops."""
        delay = RECONNECT_FIRST
        dropped = False

        def ready() -> None:
            self.post_message(LiveStatus(True, "following changes to this profile"))
            if dropped:
                self.reload()  # whatever changed while the feed was down

        while True:
            try:
                async for change in self.client.profile_changes(self.profile.id, ready):
                    self.post_message(ProfileChanged(change))
                    delay = RECONNECT_FIRST
                # A clean end (hub shutting down) is a drop like any other.
                self.post_message(LiveStatus(False, "the hub closed the live feed"))
            except Exception as exc:  # any network failure: say so and try again
                self.post_message(LiveStatus(False, f"{exc.__class__.__name__}: {exc}"))
            dropped = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)

    def on_live_status(self, message: LiveStatus) -> None:
        badge = self.query_one(LiveBadge)
        badge.state = "live" if message.connected else "down"
        badge.detail = message.detail

    def on_profile_changed(self, message: ProfileChanged) -> None:
        badge = self.query_one(LiveBadge)
        badge.state = "live"
        change = message.change
        if change.kind == "ERASED":
            self.notify("This customer was erased; nothing more to show.", severity="warning")
            self.workers.cancel_group(self, "live")
            badge.state = "erased"
            return
        if change.merged_into and change.merged_into != self.profile.id:
            # Another touchpoint joined this caller to an older profile: follow the survivor.
            self.notify("Merged into another profile: following it now.", title=self.profile.name)
            self._follow(change.merged_into)
        self.query_one(Timeline).add_live(datetime.now().strftime("%H:%M:%S"), change)
        if change.touchpoint != "CALL_CENTER":
            self.notify(change.describe(), title=f"Live · {self.profile.name}")
        self.reload()

    # -- actions ------------------------------------------------------------------------------

    @work(exclusive=True, group="reload", exit_on_error=False)
    async def reload(self) -> None:
        await asyncio.sleep(0.05)  # several changes in a burst: one reload
        try:
            profile = await self.client.profile(self.profile.id)
        except HubError as exc:
            self._app.handle_hub_error(exc)
            return
        finally:
            self.query_one("#columns").loading = False
        if profile is None:
            self.notify("This profile is gone (merged or erased).", severity="warning")
            return
        self._show(profile)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss()

    def _dialog_done(self, changed: bool | None) -> None:
        if changed:
            self.reload()

    def action_preference(self) -> None:
        self.app.push_screen(PreferenceDialog(self.client, self.profile), self._dialog_done)

    def action_consent(self) -> None:
        self.app.push_screen(ConsentDialog(self.client, self.profile), self._dialog_done)

    def action_note(self) -> None:
        self.app.push_screen(NoteDialog(self.client, self.profile), self._dialog_done)

    def action_survey(self) -> None:
        self.app.push_screen(SurveyDialog(self.client, self.profile), self._dialog_done)

    def action_wrap_up(self) -> None:
        def logged(done: bool | None) -> None:
            if done:  # the call is over: a clean search for the next caller
                for screen in self.app.screen_stack:
                    if isinstance(screen, FindCallerScreen):
                        screen.new_call()
                self.dismiss()

        self.app.push_screen(WrapUpDialog(self.client, self.profile), logged)

    def action_link(self) -> None:
        dialog = LinkDialog(self.client, self.profile)

        def linked(done: bool | None) -> None:
            if not done:
                return
            if dialog.survivor and dialog.survivor != self.profile.id:
                self._follow(dialog.survivor)  # this caller now lives in the older profile
            self.reload()

        self.app.push_screen(dialog, linked)

    def action_journal(self) -> None:
        self.app.push_screen(SplitDialog(self.client, self.profile), self._dialog_done)

    def _follow(self, profile_id: str) -> None:
        self.profile.id = profile_id
        self.follow_changes()

    def action_accept(self) -> None:
        self._answer_pick(accepted=True)

    def action_reject(self) -> None:
        self._answer_pick(accepted=False)

    def _highlighted_pick(self) -> Recommendation | None:
        picks = self.profile.recommendations or []
        table = self.query_one("#recommendations-table", FitTable)
        row = table.cursor_row
        return picks[row] if 0 <= row < len(picks) else None

    @work(group="pick", exit_on_error=False)
    async def _answer_pick(self, accepted: bool) -> None:
        pick, identifier = self._highlighted_pick(), self.profile.best_identifier
        if pick is None or identifier is None:
            return
        properties = {
            "recommendationId": pick.recommendation_id,
            "outcome": "accepted" if accepted else "rejected",
            "agent": self.client.agent,
        }
        # Accepting is a click on the pick; a rejection is recorded against the showing.
        kind = "RECOMMENDATION_CLICKED" if accepted else "RECOMMENDATION_SHOWN"
        panel = self.query_one(RecommendationsPanel)
        try:
            errors = await self.client.record_event(identifier, kind, properties, pick.sku)
        except HubError as exc:
            self._app.handle_hub_error(exc)
            return
        if errors:
            panel.border_subtitle = "not saved: " + "; ".join(e.message for e in errors)
            return
        verb = "accepted ✔" if accepted else "rejected ✘"
        panel.border_subtitle = f"{pick.name or pick.sku}: {verb}"
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept", "reject"):
            return bool(self.profile.recommendations)
        schema = self.client.schema
        if action == "link":
            return schema.known and schema.has_mutation("linkProfiles")
        if action == "journal":
            active = any(m.active for m in self.profile.merges or ())
            return schema.known and schema.has_mutation("splitProfile") and active
        return True
