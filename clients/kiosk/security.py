"""Response headers for a page on a shared screen (nothing from elsewhere, nothing cached), and
addresses no one can type refused before they reach a page."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clients.kiosk.pages import kiosk, render

# Scripts, styles and event streams come only from the kiosk itself (htmx is vendored); inline
# style attributes carry each department's colour, so styles allow them.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class NoNulInAddress:
    """A NUL in the path or query (`/p/%00`, `?q=%00`) is a crafted address: answer it with the
    not-found page and 400, not with a hub call the hub refuses (which a page would show as
    the kiosk being out of service)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            request = Request(scope)
            visit = kiosk(request).visits.get(request)
            response = render(request, "not_found.html", visit=visit, status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def no_such_page(request: Request, exc: Exception) -> Response:
    """An address the kiosk does not serve, or a page asked the wrong way (a form's address
    opened as a link): the store's own "we couldn't find that" page with a way back, not a
    plain-text "Not Found" on a shared screen."""
    status = getattr(exc, "status_code", 404)
    visit = kiosk(request).visits.get(request)
    return render(request, "not_found.html", visit=visit, status_code=status)


NOT_FOUND_PAGES = {404: no_such_page, 405: no_such_page}
