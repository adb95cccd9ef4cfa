"""How long this call has lasted, so the agent can pace it."""

from __future__ import annotations

import time

from textual.widgets import Static


class CallClock(Static):
    DEFAULT_CSS = """
    CallClock { width: auto; padding: 0 1; color: $text-muted; }
    """

    def on_mount(self) -> None:
        self._started = time.monotonic()
        self._tick()
        self.set_interval(1, self._tick)

    def _tick(self) -> None:
        seconds = int(time.monotonic() - self._started)
        self.update(f"on call {seconds // 60:02d}:{seconds % 60:02d}")
