"""Link two profiles the agent has confirmed are the same person (audited by the hub)."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Label

from ..api import HubClient, HubError
from ..models import Profile, UserError
from ..widgets.results import ResultsTable
from .base import FieldError, FormDialog


class LinkDialog(FormDialog):
    TITLE = "Link with another profile"
    SAVE_LABEL = "Link: same person"

    def fields(self) -> ComposeResult:
        yield Label("Find the other profile (name, email, phone, loyalty or CRM id)")
        yield Input(id="other-query")
        yield ResultsTable(id="other-results")
        yield Label("Pick the other profile above.", id="confirm", classes="hint", markup=False)
        yield FieldError(id="profileIds-error")

    def __init__(self, client: HubClient, profile: Profile) -> None:
        super().__init__(client, profile)
        self.other: Profile | None = None

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#other-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.find(event.value.strip())

    @work(exclusive=True, group="find", exit_on_error=False)
    async def find(self, text: str) -> None:
        await asyncio.sleep(0.25)  # let the agent finish typing
        if len(text) < 2:
            return
        try:
            hits = await self.client.search(text, first=10)
        except HubError as exc:
            self.show_errors([UserError((), "HUB", str(exc))])
            return
        self.query_one(ResultsTable).show([h for h in hits if h.id != self.profile.id])

    @on(DataTable.RowHighlighted, "#other-results")
    def _picked(self) -> None:
        self.other = self.query_one(ResultsTable).highlighted
        if self.other is not None:
            self.query_one("#confirm", Label).update(
                f"Link “{self.profile.name}” with “{self.other.name}”: "
                "only when the customer has confirmed they are the same person."
            )

    async def submit(self) -> list[UserError]:
        self.other = self.other or self.query_one(ResultsTable).highlighted
        if self.other is None:
            return [UserError(("profileIds",), "REQUIRED", "Pick the other profile first.")]
        # The answer is the profile both now live in.
        errors, self.answer = await self.client.link_profiles([self.profile.id, self.other.id])
        if not errors:
            self.app.notify(f"Linked with {self.other.name}", title=self.profile.name)
        return errors
