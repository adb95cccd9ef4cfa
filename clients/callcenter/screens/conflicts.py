"""Shared-device conflicts the hub left unjoined: the agent checks and links, or leaves them."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from ..api import HubClient, HubError
from ..dialogs.confirm import ConfirmDialog
from ..models import Profile, short_time, touchpoint_label
from ..stewardship import IdentityConflict
from ..widgets.fit_table import FitTable
from ..widgets.profile_panels import KIND_LABELS

if TYPE_CHECKING:
    from ..app import CallCenterApp


class ConflictsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("1", "open(0)", "Open 1st"),
        Binding("2", "open(1)", "Open 2nd"),
        Binding("l", "link", "Link them"),
        Binding("r", "reload", "Reload"),
    ]
    AUTO_FOCUS = "#conflicts"
    COMMAND_HELP = {
        "open": "Open one of the conflict's profiles",
        "link": "Link the conflict's profiles: the customer confirmed they are one person",
        "reload": "Reload the list",
    }

    def __init__(self, client: HubClient) -> None:
        super().__init__()
        self.client = client
        self.conflicts: list[IdentityConflict] = []
        self.profiles: list[Profile] = []

    def compose(self) -> ComposeResult:
        yield Label("Rapport  ·  identity conflicts for review", id="title-bar")
        yield Label("Loading…", id="status")
        columns = [("When", 12), ("Where", 5), ("Shared identifier", None), ("Profiles", 8)]
        yield FitTable(columns, id="conflicts")
        yield Label("", id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    @property
    def _app(self) -> CallCenterApp:
        return cast("CallCenterApp", self.app)

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load(self) -> None:
        try:
            self.conflicts = await self.client.identity_conflicts()
        except HubError as exc:
            self.query_one("#status", Label).update(str(exc))
            return
        rows = [
            (
                (
                    short_time(c.created_at),
                    touchpoint_label(c.touchpoint),
                    f"{KIND_LABELS.get(c.kind, c.kind)} {c.value}",
                    str(len(c.profile_ids)),
                ),
                c.id,
            )
            for c in self.conflicts
        ]
        self.query_one(FitTable).set_rows(rows)
        count = len(self.conflicts)
        self.query_one("#status", Label).update(
            f"{count} open conflict{'s' if count != 1 else ''}: a shared device seen with "
            "customers who each have an email, phone or loyalty card. Link only when the "
            "customer confirms they are one person."
            if count
            else "No open conflicts."
        )

    @property
    def chosen(self) -> IdentityConflict | None:
        row = self.query_one(FitTable).cursor_row
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    @on(DataTable.RowHighlighted, "#conflicts")
    def _highlighted(self) -> None:
        self.describe()

    @work(exclusive=True, group="describe", exit_on_error=False)
    async def describe(self) -> None:
        conflict = self.chosen
        self.profiles = []
        if conflict is None:
            return
        for profile_id in conflict.profile_ids[:4]:
            profile = await self.client.profile(profile_id)
            if profile is not None:
                self.profiles.append(profile)
        names = [
            f"{n}. {p.name} ({p.identifier('CRM_ID', 'EMAIL', 'PHONE') or p.id})"
            for n, p in enumerate(self.profiles, start=1)
        ]
        self.query_one("#detail", Label).update("   ".join(names))

    def action_open(self, index: int) -> None:
        if index < len(self.profiles):
            self._app.open_profile(self.profiles[index])

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_link(self) -> None:
        conflict = self.chosen
        if conflict is None or len(self.profiles) < 2:
            return
        names = " and ".join(p.name for p in self.profiles)
        question = f"Link {names}? They share {conflict.kind.lower()} {conflict.value}."

        def answered(yes: bool | None) -> None:
            if yes:
                self.link([p.id for p in self.profiles])

        self.app.push_screen(
            ConfirmDialog("Link profiles", question, "Link: same person"), answered
        )

    @work(exclusive=True, group="link", exit_on_error=False)
    async def link(self, profile_ids: list[str]) -> None:
        try:
            errors, _ = await self.client.link_profiles(profile_ids)
        except HubError as exc:
            self._app.handle_hub_error(exc)
            return
        if errors:
            self.query_one("#detail", Label).update("; ".join(e.message for e in errors))
            return
        self.notify("Linked: one customer now.", title="Identity")
        self.load()
