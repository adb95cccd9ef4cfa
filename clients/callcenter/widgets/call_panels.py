"""What to do on this call: the hub's next best actions and its picks, each answered on a key.

The customer's answer is recorded by the hub as an event that feeds learning and evaluation;
the outcome (or the hub's userErrors) shows on the panel's last line.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from ..guidance import NextBestAction, kind_label
from ..models import Profile
from ..profile_parts import Recommendation, pick_kind_label
from .fit_table import Cell, FitTable
from .outcome import Outcome
from .profile_panels import Panel

Rows = list[tuple[tuple[Cell, ...], str | None]]


class CallPanel(Panel):
    """A panel of answerable rows with the outcome of the last answer underneath."""

    # The keys answer the highlighted row from anywhere on the screen: keep it visible.
    DEFAULT_CSS = """
    CallPanel FitTable:blur > .datatable--cursor { background: $primary 30%; }
    """

    KEYS = ""
    TABLE_ID = ""
    HEADING = ""

    def compose(self) -> ComposeResult:
        yield FitTable([(self.HEADING, None)], id=self.TABLE_ID, wrap=True)
        yield Outcome(id=f"{self.id}-outcome")

    @property
    def cursor_row(self) -> int:
        return self.query_one(FitTable).cursor_row

    def say(self, text: str, ok: bool = True) -> None:
        self.query_one(Outcome).say(text, ok)

    def _fill(self, rows: Rows, empty: str) -> None:
        self.query_one(FitTable).set_rows(rows or [((Text(empty, style="dim"),), None)])
        self.border_subtitle = self.KEYS if rows else ""


class RecommendationsPanel(CallPanel):
    """Picks for this call (cross-sell, up-sell…), each with its reason; `a` / `x` answer."""

    KEYS = "a accept · x reject"
    TABLE_ID = "recommendations-table"
    HEADING = "Pick and why"

    def show(self, profile: Profile) -> None:
        self.display = profile.recommendations is not None
        rows: Rows = [
            ((_pick(rec),), str(index)) for index, rec in enumerate(profile.recommendations or ())
        ]
        self._fill(rows, "no picks for this customer yet")


class NextBestActionsPanel(CallPanel):
    """What to do next, best first: what to say and why; `y` accepts, `d` declines."""

    KEYS = "y accept · d decline"
    TABLE_ID = "actions-table"
    HEADING = "Action, what to say and why"

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.actions: list[NextBestAction] = []

    def on_mount(self) -> None:
        self.display = False  # until the hub has answered (and only if it suggests at all)

    def show(self, profile: Profile) -> None:
        pass  # filled by `show_actions`: the actions are a query of their own

    def show_actions(self, actions: list[NextBestAction]) -> None:
        self.display = True
        self.actions = list(actions or ())
        rows: Rows = [((_action(a),), a.id) for a in self.actions]
        self._fill(rows, "nothing to suggest on this call")

    @property
    def highlighted(self) -> NextBestAction | None:
        row = self.cursor_row
        return self.actions[row] if 0 <= row < len(self.actions) else None


def _pick(rec: Recommendation) -> Text:
    text = Text(rec.product.name or rec.product.sku, style="bold")
    if rec.kind:
        text.append(f"  {pick_kind_label(rec.kind)}", style="italic")
    if rec.reason:
        text.append("\n" + rec.reason, style="dim")
    return text


def _action(action: NextBestAction) -> Text:
    text = Text(action.title, style="bold")
    text.append(f"  {kind_label(action)}", style="italic")
    product = action.product.name if action.product else None
    if product and product not in action.title:
        text.append(f"\n{product}")
    if action.script:
        text.append(f"\n“{action.script}”", style="italic")
    if action.reason:
        text.append("\n" + action.reason, style="dim")
    return text
