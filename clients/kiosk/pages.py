"""What every page handler shares: the kiosk's state, rendering, and the visit guard."""

from __future__ import annotations

import functools
import logging
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from clients import words
from clients.kiosk.config import KioskConfig
from clients.kiosk.hub_client import HubClient, HubError
from clients.kiosk.masking import (
    IDENTIFIER_WORDS,
    looks_like_contact,
    mask_identifier,
    without_format_characters,
)
from clients.kiosk.sessions import Visit, VisitStore, clear_visit_cookie
from clients.kiosk.shopper import ProfileGone
from clients.transport import without_controls

log = logging.getLogger("clients.kiosk")
Handler = Callable[[Request], Awaitable[Response]]

MAX_FORM_BYTES = 64 * 1024

# Personal pages must not come back from the browser's cache after a reset.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class KioskState:
    config: KioskConfig
    hub: HubClient
    templates: Jinja2Templates
    visits: VisitStore = field(init=False)

    def __post_init__(self) -> None:
        grace = self.config.idle_seconds + self.config.prompt_seconds + 60
        self.visits = VisitStore(max_idle_seconds=grace)


def kiosk(request: Request) -> KioskState:
    state: KioskState = request.app.state.kiosk
    return state


def _price(value: Any) -> str:
    try:
        return f"£{Decimal(str(value)):.2f}"
    except (InvalidOperation, ValueError):
        return ""


def _hue(text: Any) -> int:
    """A stable colour per category, so a department keeps its colour on every screen."""
    return zlib.crc32(str(text).encode()) % 360


def _swatch(product: dict[str, Any]) -> int:
    """The department's colour, shifted a little per product so a shelf is not one flat block."""
    category = (product.get("category") or {}).get("slug") or product.get("sku", "")
    return (_hue(category) + zlib.crc32(str(product.get("sku")).encode()) % 36 - 18) % 360


def _day(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%-d %b %Y")
    except ValueError:
        return ""


def _nice(text: Any) -> str:
    """The catalogue shouts ("JUMBO BAG RED RETROSPOT"); a kiosk speaks in title case."""
    words = str(text or "")
    return words.title() if words.isupper() or words.islower() else words


def _initials(text: Any) -> str:
    letters = [w[0] for w in str(text or "").split() if w[:1].isalpha()]
    return "".join(letters[:2]).upper()


def templates(directory: Path) -> Jinja2Templates:
    env = Jinja2Templates(directory=directory)
    env.env.filters["price"] = _price
    env.env.filters["hue"] = _hue
    env.env.filters["swatch"] = _swatch
    env.env.filters["day"] = _day
    env.env.globals["touchpoint_where"] = words.where
    env.env.filters["nice"] = _nice
    env.env.filters["initials"] = _initials
    env.env.filters["masked"] = lambda ident: mask_identifier(ident["kind"], ident["value"])
    env.env.globals["identifier_words"] = IDENTIFIER_WORDS
    return env


def render(
    request: Request,
    name: str,
    *,
    visit: Visit | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    state = kiosk(request)
    base = {"config": state.config, "visit": visit}
    return state.templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code, headers=NO_STORE
    )


def to_attract() -> Response:
    return RedirectResponse("/", status_code=303, headers=NO_STORE)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


class Stop(Exception):
    """Leave a page handler early with this response (no visit, hub down, ...)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def out_of_service(request: Request) -> Response:
    return render(request, "out_of_service.html", status_code=503)


async def open_visit(request: Request) -> tuple[KioskState, Visit]:
    """The running visit with a profile, or back to the attract screen."""
    state = kiosk(request)
    visit = state.visits.get(request)
    if visit is None or not visit.profile_id:
        raise Stop(to_attract())
    return state, visit


def visit_over(request: Request) -> Response:
    """The visit's customer was erased elsewhere: the visit ends, and the screen starts over
    (through /reset, as the live relay's `visit-ended` does), showing nothing of theirs."""
    kiosk(request).visits.end(request)
    if is_htmx(request):
        # A fragment's request: the whole page goes, not just the part htmx would swap.
        response = Response(status_code=200, headers={**NO_STORE, "HX-Redirect": "/reset"})
    else:
        response = RedirectResponse("/reset", status_code=303, headers=NO_STORE)
    clear_visit_cookie(response)
    return response


def page(handler: Handler) -> Handler:
    """Turn `Stop` and hub failures into responses, so handlers read as the happy path."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except Stop as stop:
            return stop.response
        except ProfileGone:
            log.info("%s: the visit's profile was erased elsewhere", request.url.path)
            return visit_over(request)
        except HubError as exc:
            log.warning("%s failed: %s", request.url.path, exc)
            return out_of_service(request)

    return wrapped


def typed_text(text: str) -> str:
    """What a shopper typed, as the kiosk sends, tracks and shows it: without control
    characters no one can type at a kiosk (a crafted form's NUL would be refused by the hub or
    stored as noise) or invisible format characters (a right-to-left override would turn the
    text around wherever the screen echoes it)."""
    return without_format_characters(without_controls(text))


def typed_search(request: Request, limit: int) -> str:
    """The text typed into a page's search box (`?q=`), trimmed to `limit`, as `typed_text`.

    An email or phone sends the screen to the same page with `?contact=1` (never searched for,
    tracked or shown back), and an address that carried characters `typed_text` drops goes
    to the same page without them, so neither the address bar nor the field holds them."""
    raw = request.query_params.get("q", "")
    typed = typed_text(raw)
    text = typed.strip()[:limit]
    path = request.url.path
    if looks_like_contact(text):
        raise Stop(RedirectResponse(f"{path}?contact=1", status_code=303, headers=NO_STORE))
    if typed != raw:
        clean = f"{path}?{urlencode({'q': text})}"
        raise Stop(RedirectResponse(clean, status_code=303, headers=NO_STORE))
    return text


class Form:
    """A url-encoded form body (all the kiosk's forms are), read without python-multipart."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def get(self, name: str, default: str = "") -> str:
        values = self._fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self._fields.get(name, []))


async def read_form(request: Request) -> Form:
    """The form, read no further than MAX_FORM_BYTES: a body past it (no kiosk screen sends
    one) is answered with 413 and the store's page, without holding the rest in memory."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            visit = kiosk(request).visits.get(request)
            raise Stop(render(request, "not_found.html", visit=visit, status_code=413))
        chunks.append(chunk)
    body = b"".join(chunks)
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return Form({name: [typed_text(v) for v in values] for name, values in fields.items()})
