"""The 360° view of one customer, followed live while the call lasts."""

from __future__ import annotations

import asyncio
from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer

from ..api import HubClient, HubError, SubscriptionRefused, new_message_id
from ..dialogs.base import CustomerDialog
from ..dialogs.consent import ConsentDialog
from ..dialogs.export import ExportDialog
from ..dialogs.link import LinkDialog
from ..dialogs.note import NoteDialog
from ..dialogs.preference import PreferenceDialog
from ..dialogs.response_code import ResponseCodeDialog
from ..dialogs.split import SplitDialog
from ..dialogs.survey import SurveyDialog
from ..dialogs.wrap_up import WrapUpDialog
from ..live import ProfileChange
from ..messages import HubFailed, LiveStatus, ProfileChanged, SessionCheck
from ..models import Profile, UserError
from ..profile_parts import Recommendation
from ..widgets.call_clock import CallClock
from ..widgets.call_panels import NextBestActionsPanel, RecommendationsPanel
from ..widgets.fit_table import FitTable
from ..widgets.live_badge import LiveBadge
from ..widgets.outcome import written
from ..widgets.profile_panels import (
    AuditPanel,
    ConsentPanel,
    GiftRegistriesPanel,
    GreetingBar,
    IdentifiersPanel,
    MergeJournalPanel,
    NotesPanel,
    OrdersPanel,
    Panel,
    PreferenceTable,
    SegmentsPanel,
    Timeline,
)
from .find_caller import FindCallerScreen

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
        Binding("m", "mailing_code", "Mailing code", show=False, tooltip="Record a mailing's code"),
        Binding("a", "accept", "Accept pick", show=False),  # advertised on the picks panel
        Binding("x", "reject", "Reject pick", show=False),
        Binding("y", "accept_action", "Accept action", show=False),  # on the actions panel
        Binding("d", "decline_action", "Decline action", show=False),
        Binding("e", "export", "Export", show=False, tooltip="Export the profile"),
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
        "mailing_code": "Record the code on a mailing the caller reads out (their reply)",
        "accept": "Accept the highlighted recommendation (recorded as an event)",
        "reject": "Reject the highlighted recommendation (recorded as an event)",
        "accept_action": "The customer accepts the highlighted next best action (recorded)",
        "decline_action": "The customer declines the highlighted next best action (recorded)",
        "export": "Save everything held on the customer to a JSON file",
        "link": "Link with another profile the customer confirms is theirs",
        "journal": "Merge journal: split a wrong merge back into two profiles",
        "wrap_up": "Log the call with a wrap-up code",
        "reload": "Reload the profile from the hub",
        "back": "Back to finding a caller",
    }

    def __init__(self, client: HubClient, profile: Profile, export_dir: str = ".") -> None:
        super().__init__()
        self.client = client
        self.profile = profile
        self.export_dir = export_dir
        self.erased = False  # erased elsewhere while open: nothing of theirs is shown again
        self.unread = False  # the last read of the profile failed: what is shown may be stale
        # One event per (pick, answer) on this call: pressed twice, or again after a timeout
        # whose write the hub had stored, the hub keeps it once.
        self._pick_events: dict[tuple[str, str], str] = {}

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
                yield NextBestActionsPanel("Next best actions", id="actions")
                yield RecommendationsPanel("For this call", id="recommendations")
                yield PreferenceTable("Stated preferences", learned=False, id="explicit")
                yield PreferenceTable("Learned interests", learned=True, id="learned")
            with Vertical(id="col-right", classes="column"):
                yield Timeline("Activity across touchpoints", id="timeline")
                yield OrdersPanel("Orders and returns", id="orders")
                yield GiftRegistriesPanel("Gift registries", id="registries")
                yield AuditPanel("Audit trail", id="audit")
        yield Footer(compact=True)

    @property
    def _composed(self) -> bool:
        """False when the app began to quit before this screen composed (a screen pop as the
        agent quits): Textual mounts no more widgets then, and there is nothing to show."""
        return bool(self.query(GreetingBar))

    def on_resize(self) -> None:
        if not self._composed or self.erased:
            return
        # One column on a small terminal: what to do on this call comes first.
        narrow = self.size.width < self.HORIZONTAL_BREAKPOINTS[1][0]
        columns = self.query_one("#columns")
        middle, left = self.query_one("#col-middle"), self.query_one("#col-left")
        if narrow and columns.children[0] is not middle:
            columns.move_child(middle, before=left)
        elif not narrow and columns.children[0] is middle:
            columns.move_child(middle, after=left)

    def _failed(self, exc: HubError) -> None:
        self.post_message(HubFailed(exc))

    def on_mount(self) -> None:
        if not self._composed:
            return
        self._show(self.profile)
        if not self.profile.complete:
            self.query_one("#columns").loading = True
            self.reload()
        self.follow_changes()

    def _show(self, profile: Profile) -> None:
        if self.erased:
            return  # a read that was under way when the erase came: not shown
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
        self.load_actions()
        for dialog in self._dialogs():
            dialog.profile_shown(profile)

    def _dialogs(self) -> list[CustomerDialog]:
        """The dialogs open over this screen (opened from here, so above here)."""
        stack = self.app.screen_stack
        above = stack[stack.index(self) + 1 :] if self in stack else []
        return [screen for screen in above if isinstance(screen, CustomerDialog)]

    @work(exclusive=True, group="audit", exit_on_error=False)
    async def load_audit(self) -> None:
        entries = await self.client.audit_log(self.profile.id)
        self.query_one(AuditPanel).show_entries(entries)

    @work(exclusive=True, group="actions", exit_on_error=False)
    async def load_actions(self) -> None:
        panel = self.query_one(NextBestActionsPanel)
        try:
            actions = await self.client.next_best_actions(self.profile.id)
        except HubError as exc:
            self.post_message(HubFailed(exc))
            panel.say(f"Could not load: {exc}", ok=False)
            return
        panel.show_actions(actions)
        self.refresh_bindings()

    def on_screen_resume(self) -> None:
        """Back on top (the hub reachable again, a dialog closed): a read that failed is
        tried again, so the agent never has to know to press r."""
        if self.unread and not self.erased:
            self.reload()

    def session_resumed(self) -> None:
        """Signed in again after the session ended: catch up and follow live again."""
        if self.erased:
            return
        self.follow_changes()
        self.reload()

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
                    if change.kind == "ERASED":
                        return  # the hub ends an erased profile's feed: nothing to follow again
                    delay = RECONNECT_FIRST
                # A clean end (hub shutting down) is a drop like any other.
                self.post_message(LiveStatus(False, "the hub closed the live feed"))
            except Exception as exc:  # any network failure: say so and try again
                self.post_message(LiveStatus(False, f"{exc.__class__.__name__}: {exc}"))
                if isinstance(exc, SubscriptionRefused):
                    self.post_message(SessionCheck())  # an ended session: the agent signs in again
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
            badge.state = "erased"
            self._drop_erased()
            return
        if change.merged_into and change.merged_into != self.profile.id:
            # Another touchpoint joined this caller to an older profile: follow the survivor.
            self.notify("Merged into another profile: following it now.", title=self.profile.name)
            self._follow(change.merged_into)
        self.query_one(Timeline).add_live(datetime.now().strftime("%H:%M:%S"), change)
        if change.touchpoint != "CALL_CENTER":
            self.notify(change.describe(), title=f"Live · {self.profile.name}")
        if not self._already_shown(change):
            self.reload(None if change.kind == "RESYNC" else change.version)

    def _drop_erased(self) -> None:
        """The customer was erased: drop everything shown of them at once, here and in the
        search results below, and offer nothing but going back."""
        self.erased = True
        for group in ("live", "reload", "audit", "actions", "pick", "action"):
            self.workers.cancel_group(self, group)
        self.query_one(GreetingBar).show_erased()
        columns = self.query_one("#columns")
        columns.loading = False
        columns.remove_children()
        stack = self.app.screen_stack
        for screen in stack:
            if isinstance(screen, FindCallerScreen):
                screen.forget(self.profile.id)
        # Its dialogs close: none may keep the name in its title or answer a save with the
        # hub's "no such profile".
        for dialog in reversed(self._dialogs()):
            dialog.customer_erased()
        self.refresh_bindings()

    def _already_shown(self, change: ProfileChange) -> bool:
        """The echo of a write whose answer this screen already shows (its own save): reading
        the profile again would show nothing new and audit one more agent read."""
        return (
            change.kind != "RESYNC"
            and change.profile_id == self.profile.id
            and change.version <= self.profile.version
        )

    # -- actions ------------------------------------------------------------------------------

    @work(exclusive=True, group="reload", exit_on_error=False)
    async def reload(self, at_least: int | None = None) -> None:
        """Read the profile again; with `at_least` (a change's version), only when no write of
        this desk has answered with that version already."""
        await asyncio.sleep(0.05)  # several changes in a burst: one reload
        if at_least is not None:
            # The echo of our own save can come before the save's answer: wait for it.
            await self.client.settled()
            answered = self.client.answered(self.profile.id)
            if answered is not None and answered.version > self.profile.version:
                self._show(answered)
            if self.profile.version >= at_least:
                return
        try:
            profile = await self.client.profile(self.profile.id)
        except HubError as exc:
            self.unread = True  # read again as soon as this screen is back on top
            if not self.profile.complete:
                self.query_one(GreetingBar).not_loaded(self.profile, str(exc))
            self.post_message(HubFailed(exc))
            return
        finally:
            self.query_one("#columns").loading = False
        self.unread = False
        if profile is None:
            self.notify("This profile is gone (merged or erased).", severity="warning")
            return
        self._show(profile)

    def _take(self, profile: Profile) -> None:
        """Show the profile a write answered with (instead of reading it again); after a link
        it may be another profile, the survivor, which is followed from then on."""
        moved = profile.id != self.profile.id
        if moved or not self.profile.complete or profile.version > self.profile.version:
            self._show(profile)
        if moved:
            self.follow_changes()

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss()

    def _dialog_done(self, result: Profile | bool | None) -> None:
        """A dialog closed: it hands back the profile its write answered with, or True when
        it saved something that answers no profile (the change's echo reads it)."""
        if isinstance(result, Profile):
            self._take(result)
        elif result:
            self.reload()

    def action_preference(self) -> None:
        self.app.push_screen(PreferenceDialog(self.client, self.profile), self._dialog_done)

    def action_consent(self) -> None:
        self.app.push_screen(ConsentDialog(self.client, self.profile), self._dialog_done)

    def action_note(self) -> None:
        self.app.push_screen(NoteDialog(self.client, self.profile), self._dialog_done)

    def action_survey(self) -> None:
        self.app.push_screen(SurveyDialog(self.client, self.profile), self._dialog_done)

    def action_mailing_code(self) -> None:
        self.app.push_screen(ResponseCodeDialog(self.client, self.profile), self._dialog_done)

    def action_wrap_up(self) -> None:
        def logged(done: Profile | bool | None) -> None:
            if done:  # the call is over: a clean search for the next caller
                for screen in self.app.screen_stack:
                    if isinstance(screen, FindCallerScreen):
                        screen.new_call()
                self.dismiss()

        self.app.push_screen(WrapUpDialog(self.client, self.profile), logged)

    def action_link(self) -> None:
        # This caller may now live in the older profile: the survivor is followed.
        self.app.push_screen(LinkDialog(self.client, self.profile), self._dialog_done)

    def action_journal(self) -> None:
        self.app.push_screen(SplitDialog(self.client, self.profile), self._dialog_done)

    def action_export(self) -> None:
        self.app.push_screen(ExportDialog(self.client, self.profile, self.export_dir))

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
        panel = self.query_one(RecommendationsPanel)
        if pick is None or identifier is None:
            return
        properties = {"recommendationId": pick.recommendation_id, "agent": self.client.agent}
        kind = "RECOMMENDATION_CLICKED" if accepted else "RECOMMENDATION_REJECTED"
        message_id = self._pick_events.setdefault((pick.recommendation_id, kind), new_message_id())
        recorded = self.client.record_event(
            identifier,
            kind,
            properties,
            pick.product.sku,
            profile_id=self.profile.id,
            message_id=message_id,
        )
        if not await written(panel, "Not saved", recorded, self._failed):
            return
        verb = "accepted ✔" if accepted else "rejected ✘"
        panel.say(f"{pick.product.name or pick.product.sku}: {verb}")
        self.reload()

    def action_accept_action(self) -> None:
        self._answer_action(accepted=True)

    def action_decline_action(self) -> None:
        self._answer_action(accepted=False)

    @work(group="action", exit_on_error=False)
    async def _answer_action(self, accepted: bool) -> None:
        panel = self.query_one(NextBestActionsPanel)
        action = panel.highlighted
        if action is None:
            return

        async def respond() -> list[UserError]:
            _, errors = await self.client.respond_to_action(self.profile.id, action.id, accepted)
            return errors

        if not await written(panel, "Not saved", respond(), self._failed):
            return
        panel.say(f"{action.title}: {'accepted ✔' if accepted else 'declined ✘'}")
        self.reload()  # the answer is an event; the actions are asked again after it

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.erased:
            return action == "back"
        if action in ("accept", "reject"):
            return bool(self.profile.recommendations)
        if action in ("accept_action", "decline_action"):
            panels = self.query(NextBestActionsPanel)  # empty while the screen composes
            return bool(panels and panels.first().actions)
        if action == "journal":
            return any(m.active for m in self.profile.merges or ())
        return True
