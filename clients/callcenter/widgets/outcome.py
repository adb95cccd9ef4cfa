"""One line saying how the last write went: done, or the hub's reason it was not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from textual.content import Content
from textual.widgets import Static

from ..api import HubError
from ..models import UserError


class Sayer(Protocol):
    def say(self, text: str, ok: bool = True) -> None: ...


class Outcome(Static):
    DEFAULT_CSS = """
    Outcome { height: auto; display: none; }
    Outcome.-shown { display: block; }
    Outcome.-ok { color: $text-success; }
    Outcome.-error { color: $text-error; }
    """

    def say(self, text: str, ok: bool = True) -> None:
        self.update(Content(text))  # as written: a reason may quote a customer's words
        self.set_class(bool(text), "-shown")
        self.set_class(ok, "-ok")
        self.set_class(not ok, "-error")


async def written(
    where: Sayer,
    failed: str,
    call: Awaitable[Sequence[UserError]],
    on_hub_error: Callable[[HubError], None],
) -> bool:
    """Await one write; when the hub fails or answers userErrors, say why next to it
    ("Not saved: …") and return False."""
    try:
        errors = await call
    except HubError as exc:
        where.say(f"{failed}: {exc}", ok=False)
        on_hub_error(exc)
        return False
    if errors:
        where.say(f"{failed}: " + "; ".join(e.message for e in errors), ok=False)
        return False
    return True
