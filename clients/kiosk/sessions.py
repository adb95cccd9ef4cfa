"""Visits held on the kiosk server: the browser only carries an opaque, random cookie.

Nothing personal is kept in the browser, so a reset (or the idle timer) that drops the server
side of a visit leaves the screen with nothing to show.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "kiosk_visit"


@dataclass
class Visit:
    id: str
    anonymous_id: str
    profile_id: str | None = None
    # The identifier the shopper gave (kind, value as typed); None for an anonymous visit.
    identifier: tuple[str, str] | None = None
    first_name: str | None = None
    returning: bool = False
    # Self-service token from the ledger's one-time code, and when it stops being accepted here.
    ledger_token: str | None = None
    ledger_profile_id: str | None = None
    ledger_until: float = 0.0
    code_requested: bool = False
    code_sent_to: str | None = None
    # Set when the shopper removed, in the ledger, the very identifier this visit signed in with
    # (e.g. "Loyalty card ••••1234"): from then on nothing here is sent under it, or the hub
    # would link it again.
    unlinked: str | None = None
    # What the shopper gathered here or brought from the web (sku → quantity); server-side only.
    basket: dict[str, int] = field(default_factory=dict)
    wishlist: dict[str, int] = field(default_factory=dict)

    def close_ledger(self) -> None:
        self.ledger_token = self.ledger_profile_id = None
        self.ledger_until = 0.0

    last_seen: float = field(default_factory=time.monotonic)

    @property
    def known(self) -> bool:
        return self.identifier is not None

    @property
    def track_identifier(self) -> dict[str, str]:
        kind, value = self.identifier or ("ANONYMOUS_ID", self.anonymous_id)
        if self.unlinked:
            kind, value = "ANONYMOUS_ID", self.anonymous_id
        return {"kind": kind, "value": value}

    def follow(self, profile_id: str, first_name: str | None) -> None:
        """Go on as the profile the hub answered for this visit's id: the same one, or, merged
        into another elsewhere, the survivor (the card now belongs to it, so it is whom signing
        in again would find), greeted by its name as the hub holds it now."""
        self.profile_id = profile_id
        if self.known or self.first_name:
            self.first_name = first_name or None

    def ledger_open(self) -> bool:
        return self.ledger_token is not None and time.monotonic() < self.ledger_until


class VisitStore:
    """In-memory visits; one kiosk screen has one visit at a time, a server has a handful.

    Kept in the order they were last seen, so the idle ones are found at the front without
    looking at the rest, and held to `MAX_VISITS`: a client that starts visit after visit
    (each POST to /browse or /identify starts one) pushes out the longest idle, not the
    server's memory."""

    MAX_VISITS = 1000

    def __init__(self, max_idle_seconds: float) -> None:
        self._visits: OrderedDict[str, Visit] = OrderedDict()
        self._max_idle = max_idle_seconds

    def start(self) -> Visit:
        self._expire()
        while len(self._visits) >= self.MAX_VISITS:
            self._visits.popitem(last=False)
        visit = Visit(id=secrets.token_urlsafe(24), anonymous_id="kiosk-" + secrets.token_hex(12))
        self._visits[visit.id] = visit
        return visit

    def get(self, request: Request) -> Visit | None:
        self._expire()
        key = request.cookies.get(COOKIE, "")
        visit = self._visits.get(key)
        if visit is not None:
            visit.last_seen = time.monotonic()
            self._visits.move_to_end(key)
        return visit

    def peek(self, visit_id: str) -> Visit | None:
        return self._visits.get(visit_id)

    def end(self, request: Request) -> None:
        self.drop(request.cookies.get(COOKIE, ""))

    def drop(self, visit_id: str) -> None:
        self._visits.pop(visit_id, None)

    def __len__(self) -> int:
        return len(self._visits)

    def _expire(self) -> None:
        # A visit the browser stopped touching is dropped even if its reset never arrived.
        cutoff = time.monotonic() - self._max_idle
        while self._visits:
            oldest = next(iter(self._visits.values()))
            if oldest.last_seen >= cutoff:
                break
            self._visits.popitem(last=False)


def set_visit_cookie(response: Response, visit: Visit) -> None:
    response.set_cookie(COOKIE, visit.id, httponly=True, samesite="strict", path="/")


def clear_visit_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
