"""The start and end of a visit: attract screen, identify or browse anonymously, home, reset."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from clients.kiosk import shopper
from clients.kiosk.banner import home_banner
from clients.kiosk.masking import unquoted
from clients.kiosk.pages import (
    NO_STORE,
    kiosk,
    open_visit,
    page,
    read_form,
    render,
)
from clients.kiosk.sessions import Visit, clear_visit_cookie, set_visit_cookie

KINDS = ("LOYALTY_ID", "PHONE", "EMAIL")
_PHONE = re.compile(r"\+?\d{9,15}")


def guess_kind(value: str, chosen: str) -> str:
    """The kind the shopper chose, else the shape decides; an '@' always means an email."""
    if "@" in value:
        return "EMAIL"
    compact = re.sub(r"[\s\-().]", "", value)
    if chosen == "PHONE" or (
        chosen not in KINDS and _PHONE.fullmatch(compact) and compact[0] in "+0"
    ):
        return "PHONE"
    return chosen if chosen in KINDS else "LOYALTY_ID"


async def attract(request: Request) -> Response:
    visit = kiosk(request).visits.get(request)
    if visit is not None and visit.known:
        return RedirectResponse("/home", status_code=303, headers=NO_STORE)
    # An anonymous visit may come back here to scan a card: its views then carry over.
    # No kind chosen: the shape of what is typed decides, unless the shopper picks one.
    return render(request, "attract.html", visit_open=visit is not None, kinds=KINDS, kind="")


@page
async def identify(request: Request) -> Response:
    state = kiosk(request)
    form = await read_form(request)
    value = form.get("identifier").strip()
    kind = guess_kind(value, form.get("kind"))
    if not value:
        return render(
            request,
            "attract.html",
            kinds=KINDS,
            kind=kind,
            status_code=422,
            error="Please scan your card or type your card number, phone or email.",
        )
    visit = state.visits.get(request)
    if visit is not None and visit.known:
        # A second shopper at the same screen starts afresh: the first one's visit ends here.
        state.visits.end(request)
        visit = None
    visit = visit or state.visits.start()
    identifier = {"kind": kind, "value": value}
    identifiers = [identifier]
    if visit.profile_id:
        # Browsed anonymously first: sending the visit's anonymous id too carries the views over.
        identifiers.append({"kind": "ANONYMOUS_ID", "value": visit.anonymous_id})
    outcome = await shopper.identify(state.hub, identifiers)
    returning = not outcome.data.get("created", False)
    profile = outcome.data.get("profile")
    if not outcome.ok or not profile:
        response = render(
            request,
            "attract.html",
            kinds=KINDS,
            kind=kind,
            status_code=422,
            error=unquoted(outcome.message, value)
            or "We could not find you with that. Please try again.",
        )
        set_visit_cookie(response, visit)
        return response
    visit.identifier = (kind, value)
    visit.profile_id = profile["id"]
    visit.first_name = profile.get("firstName") or None
    visit.returning = returning
    response = RedirectResponse("/home", status_code=303, headers=NO_STORE)
    set_visit_cookie(response, visit)
    return response


@page
async def browse_anonymously(request: Request) -> Response:
    state = kiosk(request)
    visit = state.visits.get(request)
    if visit is not None and not visit.known and visit.profile_id:
        return RedirectResponse("/home", status_code=303, headers=NO_STORE)
    state.visits.end(request)
    visit = state.visits.start()
    anonymous = {"kind": "ANONYMOUS_ID", "value": visit.anonymous_id}
    outcome = await shopper.identify(state.hub, [anonymous])
    profile = outcome.data.get("profile") or {}
    visit.profile_id = profile.get("id")
    response = RedirectResponse("/home", status_code=303, headers=NO_STORE)
    set_visit_cookie(response, visit)
    return response


def greeting(visit: Visit) -> str:
    if not visit.known:
        return "Hello! Have a look around"
    welcome = "Welcome back" if visit.returning else "Welcome"
    return f"{welcome}, {visit.first_name}" if visit.first_name else welcome


@page
async def home(request: Request) -> Response:
    state, visit = await open_visit(request)
    cats = await shopper.categories(state.hub)
    panel = await shopper.panel_for_page(state.hub, visit)
    banner = await home_banner(state.hub, visit)
    return render(
        request,
        "home.html",
        visit=visit,
        greeting=greeting(visit),
        categories=cats,
        panel=panel,
        banner=banner,
    )


async def reset(request: Request) -> Response:
    kiosk(request).visits.end(request)
    # Clear-Site-Data wipes anything a page might have left in the browser's storage.
    headers = {**NO_STORE, "Clear-Site-Data": '"cookies", "storage"'}
    response = RedirectResponse("/", status_code=303, headers=headers)
    clear_visit_cookie(response)
    return response


async def still_here(request: Request) -> Response:
    """The browser's idle timer saw a touch: keep the server side of the visit alive too."""
    visit = kiosk(request).visits.get(request)
    return Response(status_code=204 if visit else 410, headers=NO_STORE)


routes = [
    Route("/", attract),
    Route("/identify", identify, methods=["POST"]),
    Route("/browse", browse_anonymously, methods=["POST"]),
    Route("/home", home),
    Route("/reset", reset, methods=["POST", "GET"]),
    Route("/still-here", still_here, methods=["POST"]),
]
