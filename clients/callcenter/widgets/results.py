"""Search results: one row per profile, possible duplicates flagged."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ..models import Profile
from ..stewardship import possible_duplicates

# Shown as plain text (a str cell is read as markup).
_SHOWN_IDENTIFIERS = ("EMAIL", "PHONE", "LOYALTY_ID", "CRM_ID")


class ResultsTable(DataTable[str | Text]):
    DEFAULT_CSS = """
    ResultsTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.profiles: dict[str, Profile] = {}
        self.shown_for = ""  # the search text these rows answer

    def on_mount(self) -> None:
        self.add_columns("Name", "Email", "Phone", "Loyalty", "CRM", "")

    def show(self, profiles: list[Profile], shown_for: str = "") -> None:
        self.clear()
        self.shown_for = shown_for
        self.profiles = {p.id: p for p in profiles}
        flagged = possible_duplicates(profiles)
        for profile in profiles:
            flag = flagged.get(profile.id)
            self.add_row(
                Text(profile.name, style="bold"),
                *(Text(profile.identifier(kind) or "") for kind in _SHOWN_IDENTIFIERS),
                Text(f"⚠ possible duplicate: {flag}", style="yellow") if flag else "",
                key=profile.id,
            )

    def forget(self, profile_id: str) -> None:
        if self.profiles.pop(profile_id, None) is not None:
            self.remove_row(profile_id)

    @property
    def highlighted(self) -> Profile | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return self.profiles.get(str(row_key.value))
