"""Shown when the hub does not answer: what is wrong, what to check, and a retry."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, Static

from ..api import HubClient, HubUnreachable

RETRY_EVERY = 5


class UnreachableScreen(Screen[None]):
    """Dismissed as soon as the hub answers again, by the agent's retry or by itself."""

    BINDINGS = [
        Binding("r", "retry", "Retry now"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self, client: HubClient, reason: str) -> None:
        super().__init__()
        self.client = client
        self.reason = reason
        self.countdown = RETRY_EVERY

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="unreachable", classes="card") as card:
            card.border_title = "Rapport hub unreachable"
            yield Label("The agent desktop cannot reach the Rapport hub.", classes="headline")
            yield Static(self.reason, id="reason", markup=False)
            yield Static(
                f"Hub URL: {self.client.hub_url}\n"
                "Check that `rapport-hub serve` is running there, or start this app with "
                "--hub-url (or RAPPORT_HUB_URL) pointing at it.",
                classes="hint",
            )
            yield Label("", id="retry-status")
            with Center():
                yield Button("Retry now", variant="primary", id="retry")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)
        self._tick()

    def _tick(self) -> None:
        self.countdown -= 1
        if self.countdown <= 0:
            self.action_retry()
        else:
            self.query_one("#retry-status", Label).update(f"Trying again in {self.countdown} s…")

    @on(Button.Pressed, "#retry")
    def action_retry(self) -> None:
        self.countdown = RETRY_EVERY
        self.retry()

    @work(exclusive=True, exit_on_error=False)
    async def retry(self) -> None:
        self.query_one("#retry-status", Label).update("Trying…")
        try:
            await self.client.check_reachable()
        except HubUnreachable as exc:
            self.query_one("#reason", Static).update(str(exc))
            self.countdown = RETRY_EVERY
            return
        self.dismiss()
