"""The merge journal: undo a wrong merge, giving each profile back exactly what it had."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Label

from ..models import UserError, short_time, touchpoint_label
from ..profile_parts import MergeRecord
from ..widgets.fit_table import FitTable
from .base import FieldError, FormDialog


class SplitDialog(FormDialog):
    TITLE = "Merge journal: split a wrong merge"
    SAVE_LABEL = "Split it back"

    def fields(self) -> ComposeResult:
        yield Label("Merges into this profile, newest first. Pick the one that was wrong.")
        yield FitTable(
            [("When", 12), ("Where", 5), ("What moved", None), ("State", 8)],
            id="journal",
            wrap=True,
        )
        yield Label("", id="confirm", classes="hint", markup=False)
        yield FieldError(id="mergeId-error")

    def on_mount(self) -> None:
        rows = [(self._row(m), m.id) for m in self.profile.merges or ()]
        self.query_one(FitTable).set_rows(rows)
        self.query_one(FitTable).focus()

    def _row(self, merge: MergeRecord) -> tuple[str | Text, ...]:
        what = Text(merge.reason or "merged", style="bold")
        what.append(
            f"\n{merge.identifiers_moved} identifiers, {merge.events_moved} events moved",
            style="dim",
        )
        state = "split" if not merge.active else "active"
        return short_time(merge.created_at), touchpoint_label(merge.touchpoint), what, state

    @property
    def chosen(self) -> MergeRecord | None:
        merges = self.profile.merges or []
        row = self.query_one(FitTable).cursor_row
        return merges[row] if 0 <= row < len(merges) else None

    @on(DataTable.RowHighlighted, "#journal")
    def _picked(self) -> None:
        merge = self.chosen
        text = "" if merge is None else (
            f"Split the merge of {short_time(merge.created_at)}: the merged profile gets back its "
            "identifiers, events, preferences, consents and notes."
            if merge.active else "This merge was already split."
        )  # fmt: skip
        self.query_one("#confirm", Label).update(text)

    async def submit(self) -> list[UserError]:
        merge = self.chosen
        if merge is None or not merge.active:
            return [UserError(("mergeId",), "REQUIRED", "Pick a merge that is still active.")]
        errors, self.answer = await self.client.split_profile(merge.id)
        if not errors:
            self.app.notify("Merge split: both profiles are separate again.", title="Identity")
        return errors
