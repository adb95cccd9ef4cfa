"""The customer as the agent desktop shows them, and the wording it uses; no Textual, no I/O.

`Profile` holds the hub's typed answer (`hub_api`: a `ProfileCard` for a search hit, the whole
`Profile360` once read) and adds how the agent reads it: the name to say, the greeting, the
identifier to log events with, stated and learned preferences apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from .. import words
from .hub_api.fragments import Problem, Profile360, ProfileCard
from .profile_parts import (
    Consent,
    Event,
    GiftRegistry,
    Identifier,
    Membership,
    MergeRecord,
    Note,
    OrderSummary,
    Preference,
    Recommendation,
    event_amount,
)

JSON = Mapping[str, Any]


@dataclass(frozen=True)
class UserError:
    """Why a form was not saved, next to the field it is about: the hub's userErrors and the
    app's own checks alike."""

    field: tuple[str, ...]
    code: str
    message: str

    @classmethod
    def from_problem(cls, problem: Problem) -> UserError:
        return cls(tuple(problem.field or ()), problem.code, problem.message)

    @property
    def field_name(self) -> str:
        """The innermost field the error is about ("" for the whole form)."""
        names = [part for part in self.field if not part.isdigit()]
        return names[-1] if names else ""


class Profile:
    """One customer on screen: the hub's answer for them, read the agent's way."""

    def __init__(self, data: ProfileCard) -> None:
        self.data = data

    @property
    def full(self) -> Profile360 | None:
        """The whole 360° answer; None for a search hit (enough to list, not to show)."""
        return self.data if isinstance(self.data, Profile360) else None

    @property
    def complete(self) -> bool:
        return self.full is not None

    def card(self) -> Profile:
        """Only what tells the customer apart (the rest to be read again)."""
        fields = ProfileCard.model_fields
        return Profile(ProfileCard.model_validate(self.data.model_dump(include=set(fields))))

    @property
    def id(self) -> str:
        return self.data.id

    @id.setter
    def id(self, value: str) -> None:
        self.data.id = value

    @property
    def first_name(self) -> str | None:
        return self.data.first_name

    @property
    def last_name(self) -> str | None:
        return self.data.last_name

    @property
    def display_name(self) -> str:
        return self.data.display_name

    @property
    def salutation(self) -> str | None:
        return self.data.salutation

    @property
    def version(self) -> int:
        return self.data.version

    @property
    def identifiers(self) -> list[Identifier]:
        return self.data.identifiers

    @property
    def greeting(self) -> str | None:
        return self.full.greeting if self.full else None

    @cached_property
    def preferences(self) -> list[Preference]:
        if self.full is None:
            return []
        return [Preference.model_validate(p, from_attributes=True) for p in self.full.preferences]

    @property
    def consents(self) -> list[Consent]:
        return self.full.consents if self.full else []

    @cached_property
    def events(self) -> list[Event]:
        if self.full is None:
            return []
        return [Event.model_validate(e, from_attributes=True) for e in self.full.recent_events]

    @property
    def notes(self) -> list[Note] | None:
        """None when this agent may not read notes (or the profile is not read yet)."""
        return self.full.notes if self.full else None

    @cached_property
    def segments(self) -> list[Membership] | None:
        if self.full is None:
            return None
        return [Membership.model_validate(s, from_attributes=True) for s in self.full.segments]

    @cached_property
    def recommendations(self) -> list[Recommendation] | None:
        if self.full is None:
            return None
        picks = self.full.recommendations
        return [Recommendation.model_validate(r, from_attributes=True) for r in picks]

    @cached_property
    def merges(self) -> list[MergeRecord] | None:
        if self.full is None or self.full.merges is None:
            return None
        return [MergeRecord.model_validate(m, from_attributes=True) for m in self.full.merges]

    @property
    def gift_registries(self) -> list[GiftRegistry] | None:
        return self.full.gift_registries if self.full else None

    @property
    def order_summary(self) -> OrderSummary | None:
        return self.full.order_summary if self.full else None

    @property
    def name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return self.display_name or full or "Unnamed customer"

    @property
    def greeting_line(self) -> str:
        """What the agent can say: "Hello Mrs Smith, welcome back"."""
        address = self.salutation or self.first_name
        return f"Hello {address}, welcome back" if address else "Hello, welcome back"

    def identifier(self, *kinds: str) -> str | None:
        for kind in kinds:
            for ident in self.identifiers:
                if ident.kind == kind:
                    return ident.value
        return None

    @property
    def best_identifier(self) -> Identifier | None:
        """The identifier events are sent with: the most durable one the profile has."""
        for kind in ("CRM_ID", "LOYALTY_ID", "EMAIL", "PHONE", "DEVICE_ID", "ANONYMOUS_ID"):
            for ident in self.identifiers:
                if ident.kind == kind:
                    return ident
        return self.identifiers[0] if self.identifiers else None

    def consent(self, purpose: str) -> Consent | None:
        return next((c for c in self.consents if c.purpose == purpose), None)

    @property
    def explicit(self) -> list[Preference]:
        return [p for p in self.preferences if p.source == "EXPLICIT"]

    @property
    def learned(self) -> list[Preference]:
        ranked = [p for p in self.preferences if p.source != "EXPLICIT"]
        return sorted(ranked, key=lambda p: -abs(p.weight))

    @property
    def orders(self) -> list[Event]:
        return [e for e in self.events if e.type_ in ("PURCHASE", "RETURN")]

    def order_totals(self) -> tuple[float, float]:
        """Spend and refunds over the events shown (a recent window, not a lifetime value)."""
        spent = sum(event_amount(e) for e in self.events if e.type_ == "PURCHASE")
        returned = sum(event_amount(e) for e in self.events if e.type_ == "RETURN")
        return spent, returned


def touchpoint_label(touchpoint: str | None) -> str:
    """A column's short tag for a touchpoint (the apps' one table: clients/words.py)."""
    return words.label(touchpoint)


def short_time(stamp: str | None, now: datetime | None = None) -> str:
    """`14:05` today, `23 Nov 14:05` this year, `17 Aug 2010` before: at most 12 cells."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp[:12]
    if moment.tzinfo is not None:
        moment = moment.astimezone()  # the agent's local time
    now = now or datetime.now(moment.tzinfo)
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    if moment.year == now.year:
        return moment.strftime("%d %b %H:%M")
    return moment.strftime("%d %b %Y")
