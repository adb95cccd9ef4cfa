"""Whether the open profile is being followed live."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static


class LiveBadge(Static):
    DEFAULT_CSS = """
    LiveBadge { width: auto; padding: 0 1; text-style: bold; color: $text-muted; }
    LiveBadge.-live { color: $text-success; }
    LiveBadge.-down { color: $text-warning; }
    """

    state: reactive[str] = reactive("connecting")
    detail: reactive[str] = reactive("")

    def render(self) -> str:
        label = {
            "connecting": "◌ connecting live…",
            "live": "● live",
            "down": "○ reconnecting…",
            "erased": "✘ erased",
        }.get(self.state, self.state)
        return label

    def watch_state(self, state: str) -> None:
        self.set_class(state == "live", "-live")
        self.set_class(state == "down", "-down")

    def watch_detail(self, detail: str) -> None:
        self.tooltip = Content(detail) if detail else None  # an error's words, not markup
