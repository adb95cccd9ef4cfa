"""A DataTable whose one flexible column takes the room left, so nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.widgets import DataTable

Cell = str | Text
_SCROLLBAR = 2


class FitTable(DataTable[Cell]):
    DEFAULT_CSS = """
    FitTable { width: 100%; scrollbar-size-horizontal: 0; }
    FitTable:blur > .datatable--cursor { background: transparent; text-style: none; }
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, int | None]],
        *,
        id: str | None = None,
        zebra_stripes: bool = True,
        wrap: bool = False,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=zebra_stripes)
        self._spec = list(columns)
        self._wrap = wrap  # rows grow to show the flexible column's text in full
        self._rows: list[tuple[tuple[Cell, ...], str | None]] = []
        self._fitted_to = -1

    def set_rows(self, rows: Sequence[tuple[tuple[Cell, ...], str | None]]) -> None:
        self._rows = list(rows)
        self._rebuild()

    def on_mount(self) -> None:
        self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted_to:
            self._rebuild()

    def _rebuild(self) -> None:
        width = self.size.width
        self._fitted_to = width
        padding = 2 * self.cell_padding * len(self._spec)
        fixed = sum(w for _, w in self._spec if w) + padding + _SCROLLBAR
        flex = max(8, width - fixed) if width else 24
        cursor = self.cursor_row
        self.clear(columns=True)
        for label, column_width in self._spec:
            self.add_column(label, width=column_width or flex)
        for cells, key in self._rows:
            # A str cell would be read as markup: a customer's "[/]" must show as written.
            plain = (Text(cell) if isinstance(cell, str) else cell for cell in cells)
            self.add_row(*plain, key=key, height=None if self._wrap else 1)
        if 0 < cursor < len(self._rows):
            self.move_cursor(row=cursor, animate=False)
