"""The panels of the 360° view; each takes a `Profile` and draws itself, nothing more."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ..live import ProfileChange
from ..models import Profile, short_time, touchpoint_label
from ..profile_parts import (
    Event,
    GiftRegistry,
    Preference,
    describe_event,
    event_amount,
    registry_is_past,
    registry_when,
)
from ..stewardship import AuditEntry
from .fit_table import Cell, FitTable

PURPOSE_LABELS = {
    "PERSONALIZATION": "Personalisation",
    "MARKETING_EMAIL": "Marketing email",
    "MARKETING_SMS": "Marketing SMS",
    "MARKETING_POST": "Marketing post",
    "ANALYTICS": "Analytics",
}
KIND_LABELS = {
    "EMAIL": "Email",
    "PHONE": "Phone",
    "LOYALTY_ID": "Loyalty",
    "CRM_ID": "CRM",
    "DEVICE_ID": "Device",
    "ANONYMOUS_ID": "Anonymous",
}


class Panel(Vertical):
    """A bordered box with a title; hidden while it has nothing true to show."""

    DEFAULT_CSS = """
    Panel {
        height: auto;
        border: round $primary 50%;
        padding: 0 1;
        margin: 0 0 1 0;
        &:focus-within { border: round $primary; }
        & > Static { height: auto; }
        & > FitTable { height: auto; max-height: 14; }
    }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title

    def show(self, profile: Profile) -> None:
        raise NotImplementedError


class GreetingBar(Static):
    """What the agent can say first, and who is on the line."""

    def show(self, profile: Profile, agent: str | None, loading: bool = False) -> None:
        details = [profile.name]
        for kind in ("CRM_ID", "LOYALTY_ID"):
            value = profile.identifier(kind)
            if value:
                details.append(f"{KIND_LABELS[kind]} {value}")
        if profile.version is not None:
            details.append(f"v{profile.version}")
        if agent:
            details.append(f"agent {agent}")
        said = f"Opening {profile.name}…" if loading else f"“{profile.greeting_line}”"
        self.update(
            Content.assemble(
                (said, "bold"),
                "\n",
                (" · ".join(details), "dim"),
            )
        )

    def not_loaded(self, profile: Profile, reason: str) -> None:
        self.update(
            Content.assemble(
                (f"Could not open {profile.name}: {reason}", "bold $text-error"),
                "\n",
                ("r to try again", "dim"),
            )
        )

    def show_erased(self) -> None:
        self.update(
            Content.assemble(
                ("This customer was erased.", "bold"),
                "\n",
                ("Nothing held on them is shown; Escape to go back.", "dim"),
            )
        )


class IdentifiersPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static(id="identifiers-body")

    def show(self, profile: Profile) -> None:
        rows = [
            Content.assemble((f"{KIND_LABELS.get(i.kind, i.kind):<10}", "dim"), i.value)
            for i in profile.identifiers
        ]
        body = Content("\n").join(rows) if rows else Content("No identifiers")
        self.query_one(Static).update(body)


class ConsentPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static(id="consent-body")

    def show(self, profile: Profile) -> None:
        rows = []
        for purpose, label in PURPOSE_LABELS.items():
            consent = profile.consent(purpose)
            if consent is None or consent.is_default:
                default = "" if consent is None else (" (on)" if consent.granted else " (off)")
                rows.append(
                    Content.assemble(("·  ", "dim"), (f"{label}: not asked{default}", "dim"))
                )
                continue
            mark = ("✔  ", "bold $success") if consent.granted else ("✘  ", "bold $error")
            where = " · ".join(
                p
                for p in (touchpoint_label(consent.touchpoint), short_time(consent.updated_at))
                if p
            )
            rows.append(Content.assemble(mark, label, (f"  {where}" if where else "", "dim")))
        self.query_one(Static).update(Content("\n").join(rows))


class NotesPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static(id="notes-body")

    def show(self, profile: Profile) -> None:
        self.display = profile.notes is not None
        notes = sorted(profile.notes or (), key=lambda n: n.created_at or "", reverse=True)
        rows = [
            Content.assemble(
                (f"{short_time(n.created_at)} {n.author or ''}".strip(), "dim"), "\n", n.text
            )
            for n in notes[:6]
        ]
        self.border_subtitle = f"{len(notes)}" if notes else ""
        self.query_one(Static).update(Content("\n").join(rows) if rows else Content("No notes"))


class SegmentsPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static(id="segments-body")

    def show(self, profile: Profile) -> None:
        self.display = profile.segments is not None
        rows = [
            Content.assemble(
                ("◆ ", "$accent"),
                (s.name, "bold"),
                (f"\n  {s.reason}" if s.reason else "", ""),
                (f"\n  {s.description}" if s.description else "", "dim"),
            )
            for s in profile.segments or ()
        ]
        self.border_subtitle = str(len(rows)) if rows else ""
        self.query_one(Static).update(
            Content("\n").join(rows) if rows else Content.styled("In no segment", "dim")
        )


class GiftRegistriesPanel(Panel):
    """The customer's own gift registries: code, occasion, date and what is still wanted."""

    def compose(self) -> ComposeResult:
        yield Static(id="registries-body")

    def show(self, profile: Profile) -> None:
        registries = profile.gift_registries or []
        self.display = bool(registries)  # most customers have none: no empty box
        self.border_subtitle = str(len(registries)) if registries else ""
        body = Content("\n").join(_registry(r) for r in registries)
        self.query_one(Static).update(body)


class MergeJournalPanel(Panel):
    """What was merged into this profile; `j` opens the journal to split a wrong one."""

    def compose(self) -> ComposeResult:
        yield Static(id="merges-body")

    def show(self, profile: Profile) -> None:
        self.display = bool(profile.merges)  # only when something was merged here
        rows = []
        for merge in profile.merges or ():
            state = ("active", "$text-warning") if merge.active else ("split", "dim")
            rows.append(
                Content.assemble(
                    (_origin(merge.touchpoint, merge.created_at) + "  ", "dim"),
                    state,
                    "\n",
                    merge.reason or "merged",
                    (f"  {merge.identifiers_moved} ids, {merge.events_moved} events", "dim"),
                )
            )
        self.border_subtitle = "j to split" if any(m.active for m in profile.merges or ()) else ""
        self.query_one(Static).update(Content("\n").join(rows) if rows else Content("No merges"))


class AuditPanel(Panel):
    """The newest entries of the profile's audit trail (reads by agents included)."""

    def compose(self) -> ComposeResult:
        yield Static(id="audit-body")

    def on_mount(self) -> None:
        self.display = False  # until the hub has answered

    def show(self, profile: Profile) -> None:
        pass  # filled by `show_entries`: the trail is a query of its own

    def show_entries(self, entries: list[AuditEntry] | None) -> None:
        self.display = entries is not None
        rows = [
            Content.assemble((f"{short_time(e.at)} ", "dim"), (e.actor, "bold"), f" {e.detail}")
            for e in entries or ()
        ]
        self.query_one(Static).update(Content("\n").join(rows) if rows else Content("Nothing"))


class PreferenceTable(Panel):
    """Explicit preferences or learned interests, each with where it came from and why."""

    def __init__(self, title: str, *, learned: bool, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.learned = learned

    def compose(self) -> ComposeResult:
        origin = ("Weight", 6) if self.learned else ("From", 12)
        yield FitTable([("", 1), ("Facet", 8), ("What and why", None), origin], wrap=True)

    def show(self, profile: Profile) -> None:
        preferences = profile.learned if self.learned else profile.explicit
        rows = [(self._row(pref), None) for pref in preferences[:40]]
        if not rows:
            rows = [(("", "", Text("nothing yet", style="dim"), ""), None)]
        self.query_one(FitTable).set_rows(rows)
        self.border_subtitle = str(len(preferences))

    def _row(self, pref: Preference) -> tuple[Cell, ...]:
        mark = Text("♥", style="bold green") if pref.like else Text("✘", style="bold red")
        if self.learned:
            origin = f"{pref.weight:+.2f}"
        else:
            origin = _origin(pref.touchpoint, pref.updated_at)
        what = Text(pref.label or pref.value, style="bold")  # the name, when the hub knows it
        if pref.reason:
            what.append("\n" + pref.reason, style="dim")
        return mark, pref.key, what, origin


class OrdersPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static(id="orders-body")

    def show(self, profile: Profile) -> None:
        summary = profile.order_summary
        if summary is None:  # a hub without lifetime totals: what the recent events show
            self.query_one(Static).update(self._recent(profile))
            return
        if not summary.orders and not summary.returns:
            self.query_one(Static).update(Content.styled("No orders yet", "dim"))
            return
        since = short_time(summary.first_order_at)
        last = short_time(summary.last_order_at)
        text = Content.assemble(
            (f"{summary.orders} order{'s' if summary.orders != 1 else ''} ", "bold"),
            f"£{summary.spent:,.2f}",
            (f"  ({summary.units:,} items)", "dim"),
            ("\n", ""),
            (f"{summary.returns} return{'s' if summary.returns != 1 else ''} ", "bold"),
            f"£{summary.refunded:,.2f}",
            ("   net ", "dim"),
            (f"£{summary.net:,.2f}", "bold"),
            (f"\ncustomer since {since} · last order {last}", "dim"),
        )
        self.query_one(Static).update(text)

    @staticmethod
    def _recent(profile: Profile) -> Content:
        orders = profile.orders
        spent, refunded = profile.order_totals()
        purchases = sum(1 for e in orders if e.type_ == "PURCHASE")
        return Content.assemble(
            (f"{purchases} purchase lines ", "bold"),
            f"£{spent:,.2f}",
            ("   ", ""),
            (f"{len(orders) - purchases} returns ", "bold"),
            f"£{refunded:,.2f}",
            (f"\nover the last {len(profile.events)} events", "dim"),
        )


class Timeline(Panel):
    """Recent activity across touchpoints, with what happened during this call on top."""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self._live: list[tuple[str, ProfileChange]] = []
        self._events: list[Event] = []

    def compose(self) -> ComposeResult:
        yield FitTable([("When", 12), ("Where", 5), ("What", None)])

    def show(self, profile: Profile) -> None:
        self._events = profile.events
        self._redraw()

    @property
    def live_changes(self) -> list[ProfileChange]:
        """What happened during this call, newest first."""
        return [change for _, change in self._live]

    def add_live(self, stamp: str, change: ProfileChange) -> None:
        self._live.insert(0, (stamp, change))
        del self._live[20:]
        self._redraw()

    def _redraw(self) -> None:
        rows: list[tuple[tuple[Cell, ...], str | None]] = [
            (
                (
                    Text(f"● {stamp}", style="bold yellow"),
                    touchpoint_label(change.touchpoint),
                    _cut(change.describe(), "bold"),
                ),
                None,
            )
            for stamp, change in self._live
        ]
        rows += [
            ((short_time(e.occurred_at), touchpoint_label(e.touchpoint), _event_text(e)), None)
            for e in self._events
        ]
        if not rows:
            rows = [(("", "", Text("no activity yet", style="dim")), None)]
        self.query_one(FitTable).set_rows(rows)
        self.border_subtitle = f"{len(self._live)} live · {len(self._events)} recent"


def _registry(registry: GiftRegistry) -> Content:
    when = registry_when(registry)
    when = when + (" (past)" if registry_is_past(registry) else "") if when else ""
    facts = " · ".join(p for p in (registry.occasion, when) if p)
    wanted = f"{registry.remaining} still wanted" if registry.remaining else "all bought"
    lines = [
        Content.assemble((registry.code, "bold $accent"), "  ", (registry.title, "bold")),
        Content.assemble((facts + " · " if facts else "", "dim"), wanted),
    ]
    for item in registry.items[:8]:
        mark = ("✔ ", "$success") if not item.remaining else ("· ", "dim")
        count = f"{item.bought}/{item.wanted} bought"
        name = (item.product.name if item.product else None) or item.sku
        lines.append(Content.assemble("  ", mark, name, (f"  {count}", "dim")))
    if len(registry.items) > 8:
        lines.append(Content.styled(f"  … and {len(registry.items) - 8} more", "dim"))
    return Content("\n").join(lines)


def _event_text(event: Event) -> Text:
    style = {"RETURN": "red", "PURCHASE": "green", "CALL": "cyan"}.get(event.type_, "")
    text = _cut(describe_event(event), style)
    amount = event_amount(event)
    if event.type_ in ("PURCHASE", "RETURN") and amount:
        text.append(f"  £{amount:,.2f}", style="dim")
    return text


def _origin(touchpoint: str | None, stamp: str | None) -> str:
    return " ".join(p for p in (touchpoint_label(touchpoint), short_time(stamp)) if p)


def _cut(text: str, style: str = "") -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")
