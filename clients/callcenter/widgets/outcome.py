"""One line saying how the last write went: done, or the hub's reason it was not."""

from __future__ import annotations

from textual.widgets import Static


class Outcome(Static):
    DEFAULT_CSS = """
    Outcome { height: auto; display: none; }
    Outcome.-shown { display: block; }
    Outcome.-ok { color: $text-success; }
    Outcome.-error { color: $text-error; }
    """

    def say(self, text: str, ok: bool = True) -> None:
        self.update(text)
        self.set_class(bool(text), "-shown")
        self.set_class(ok, "-ok")
        self.set_class(not ok, "-error")
