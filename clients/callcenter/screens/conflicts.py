"""Identity review: shared-device conflicts and possible duplicates the hub left unjoined.

The agent checks the two profiles with the caller, then links them (one person) or, for a
possible duplicate, dismisses it (different people; the hub will not raise the pair again).
"""

from __future__ import annotations

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from ..api import HubClient, HubError
from ..dialogs.confirm import ConfirmDialog
from ..messages import HubFailed, OpenProfile
from ..models import Profile, UserError, short_time, touchpoint_label
from ..stewardship import IdentityConflict, PossibleDuplicate, describe_evidence, reason_label
from ..widgets.fit_table import FitTable
from ..widgets.outcome import Outcome, written
from ..widgets.profile_panels import KIND_LABELS

Item = IdentityConflict | PossibleDuplicate


class ConflictsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("1", "open(0)", "Open", tooltip="Open the 1st profile"),
        Binding("2", "open(1)", "Open 2nd", show=False, tooltip="Open the 2nd profile"),
        Binding("l", "link", "Link them"),
        Binding("d", "dismiss_duplicate", "Dismiss", tooltip="Dismiss: different people"),
        Binding("r", "reload", "Reload", show=False),
    ]
    AUTO_FOCUS = "#conflicts"
    COMMAND_HELP = {
        "open": "Open one of the two profiles",
        "link": "Link the two profiles: the customer confirmed they are one person",
        "dismiss_duplicate": "Dismiss the possible duplicate: they are different people",
        "reload": "Reload both lists",
    }

    def __init__(self, client: HubClient) -> None:
        super().__init__()
        self.client = client
        self.conflicts: list[IdentityConflict] = []
        self.duplicates: list[PossibleDuplicate] | None = None  # None: the hub has no queue
        self.profiles: list[Profile] = []  # the highlighted pair, once looked up
        self.active = "conflicts"  # the list the keys act on: the one last focused
        self._known: dict[str, Profile] = {}

    def _failed(self, exc: HubError) -> None:
        self.post_message(HubFailed(exc))

    def compose(self) -> ComposeResult:
        yield Label("Rapport  ·  identity review", id="title-bar")
        yield Label("Loading…", id="conflicts-status", classes="section", markup=False)
        columns = [("When", 12), ("Where", 5), ("Shared identifier", None), ("Profiles", 8)]
        yield FitTable(columns, id="conflicts")
        yield Label("", id="duplicates-status", classes="section", markup=False)
        columns = [("When", 12), ("Why", 22), ("Evidence", None)]
        yield FitTable(columns, id="duplicates", wrap=True)
        with Vertical(id="pair") as pair:
            pair.border_title = "The two profiles"
            pair.border_subtitle = "1 or 2 opens one"
            yield Label("", id="detail", markup=False)
            yield Outcome(id="result")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#duplicates").display = False
        self.load()

    def session_resumed(self) -> None:
        self.load()

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load(self) -> None:
        try:
            self.conflicts = await self.client.identity_conflicts()
            self.duplicates = await self.client.possible_duplicates()
        except HubError as exc:
            self.query_one("#conflicts-status", Label).update(str(exc))
            self.post_message(HubFailed(exc))
            return
        self.query_one("#conflicts", FitTable).set_rows(
            [(_conflict_row(c), c.id) for c in self.conflicts]
        )
        self.query_one("#conflicts").display = bool(self.conflicts)  # no empty box
        count = len(self.conflicts)
        self.query_one("#conflicts-status", Label).update(
            Content.assemble(
                (f"Shared devices · {count} open", "bold"),
                ": a device seen with customers who each have an email, phone or loyalty card."
                if count
                else ": none open.",
            )
        )
        has_queue = self.duplicates is not None
        table = self.query_one("#duplicates", FitTable)
        table.display = bool(self.duplicates)
        self.query_one("#duplicates-status", Label).display = has_queue
        if self.duplicates is not None:
            table.set_rows([(_duplicate_row(d), d.id) for d in self.duplicates])
            count = len(self.duplicates)
            self.query_one("#duplicates-status", Label).update(
                Content.assemble(
                    (f"Possible duplicates · {count}", "bold"),
                    ": profiles that may be one person." if count else ": none waiting.",
                )
            )
        # Keys act on a list with something in it.
        if not self.conflicts and self.duplicates and self.active == "conflicts":
            table.focus()
        self.describe()

    # -- which pair -----------------------------------------------------------------------

    @property
    def chosen(self) -> Item | None:
        items: list[Item] = list(
            self.conflicts if self.active == "conflicts" else self.duplicates or []
        )
        row = self.query_one(f"#{self.active}", FitTable).cursor_row
        return items[row] if 0 <= row < len(items) else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id in ("conflicts", "duplicates") and event.data_table.has_focus:
            self.active = event.data_table.id
            self.describe()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, FitTable) and event.widget.id != self.active:
            self.active = event.widget.id or "conflicts"
            self.query_one("#result", Outcome).say("")
            self.describe()
            self.refresh_bindings()

    @work(exclusive=True, group="describe", exit_on_error=False)
    async def describe(self) -> None:
        item, detail = self.chosen, self.query_one("#detail", Label)
        self.profiles = []
        if item is None:
            detail.update(Content.styled("Nothing highlighted.", "dim"))
            self.refresh_bindings()
            return
        try:
            for profile_id in item.profile_ids[:2]:
                if profile_id not in self._known:
                    found = await self.client.profile_summary(profile_id)
                    if found is not None:
                        self._known[profile_id] = found
                if profile_id in self._known:
                    self.profiles.append(self._known[profile_id])
        except HubError as exc:
            detail.update(str(exc))
            self.post_message(HubFailed(exc))
            return
        lines = [Content.styled(_why(item), "bold")]
        lines += [
            Content.assemble((f"{n}. ", "bold"), p.name, (f"  {_contacts(p)}", "dim"))
            for n, p in enumerate(self.profiles, start=1)
        ]
        detail.update(Content("\n").join(lines))
        self.refresh_bindings()

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "dismiss_duplicate":
            return self.active == "duplicates"
        return True

    def action_open(self, index: int) -> None:
        if index < len(self.profiles):
            self.post_message(OpenProfile(self.profiles[index]))

    def action_reload(self) -> None:
        self._known.clear()
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_link(self) -> None:
        item = self.chosen
        if item is None or len(self.profiles) < 2:
            return
        names = " and ".join(p.name for p in self.profiles)
        question = f"Link {names}? {_why(item)}."

        def answered(yes: bool | None) -> None:
            if yes:
                self.link([p.id for p in self.profiles])

        self.app.push_screen(
            ConfirmDialog("Link profiles", question, "Link: same person"), answered
        )

    def action_dismiss_duplicate(self) -> None:
        item = self.chosen
        if not isinstance(item, PossibleDuplicate):
            return
        names = " and ".join(p.name for p in self.profiles) or "these profiles"
        question = (
            f"Keep {names} apart? The hub will not suggest this pair again. "
            "Dismiss only when they are different people."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss_pair(item.id)

        self.app.push_screen(
            ConfirmDialog("Dismiss possible duplicate", question, "Dismiss: different people"),
            answered,
        )

    @work(exclusive=True, group="link", exit_on_error=False)
    async def link(self, profile_ids: list[str]) -> None:
        result = self.query_one("#result", Outcome)

        async def link() -> list[UserError]:
            errors, _ = await self.client.link_profiles(profile_ids)
            return errors

        if not await written(result, "Not linked", link(), self._failed):
            return
        result.say("✔ Linked: one customer now.")
        self._known.clear()
        self.load()

    @work(exclusive=True, group="link", exit_on_error=False)
    async def dismiss_pair(self, duplicate_id: str) -> None:
        result = self.query_one("#result", Outcome)
        dismissed = self.client.dismiss_duplicate(duplicate_id)
        if not await written(result, "Not dismissed", dismissed, self._failed):
            return
        result.say("✔ Dismissed: kept apart as different people.")
        self.load()


def _conflict_row(c: IdentityConflict) -> tuple[str, ...]:
    return (
        short_time(c.created_at),
        touchpoint_label(c.touchpoint),
        f"{KIND_LABELS.get(c.kind, c.kind)} {c.value}",
        str(len(c.profile_ids)),
    )


def _duplicate_row(d: PossibleDuplicate) -> tuple[str, ...]:
    return short_time(d.created_at), reason_label(d), describe_evidence(d)


def _why(item: Item) -> str:
    if isinstance(item, IdentityConflict):
        kind = KIND_LABELS.get(item.kind, item.kind).lower()
        return f"They share {kind} {item.value}"
    return f"Possibly one person: {reason_label(item)}: {describe_evidence(item)}"


def _contacts(profile: Profile) -> str:
    shown = [
        value
        for value in (
            profile.identifier("EMAIL"),
            profile.identifier("PHONE"),
            profile.identifier("LOYALTY_ID"),
            profile.identifier("CRM_ID"),
        )
        if value
    ]
    return " · ".join(shown) or profile.id
