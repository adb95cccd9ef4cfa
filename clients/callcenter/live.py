"""A `profileChanged` answer as the agent desktop reads it (the socket is `clients.transport`'s:
the typed client hands it the subscription, whose answers come back as `ProfileChange`)."""

from __future__ import annotations

from .hub_api.fragments import Change
from .models import touchpoint_label


class ProfileChange(Change):
    """One committed change announced by the hub's `profileChanged` subscription."""

    def describe(self) -> str:
        text = self.summary or (self.kind or "change").replace("_", " ").lower()
        where = touchpoint_label(self.touchpoint)
        return f"{text} ({where})" if where and where.lower() not in text.lower() else text
