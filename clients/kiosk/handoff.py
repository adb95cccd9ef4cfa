"""Continue from the web (a short code or its QR code), the basket, and "send this list to me"."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from clients.kiosk import lists
from clients.kiosk.masking import mask_identifier
from clients.kiosk.pages import (
    NO_STORE,
    is_htmx,
    kiosk,
    open_visit,
    page,
    read_form,
    render,
)
from clients.kiosk.sessions import Visit, set_visit_cookie
from clients.kiosk.shopper import Outcome

MEDIA = {"EMAIL": "EMAIL", "PHONE": "SMS"}


async def continue_page(request: Request) -> Response:
    visit = kiosk(request).visits.get(request)
    return render(request, "continue.html", visit=visit if visit and visit.profile_id else None)


@page
async def claim(request: Request) -> Response:
    state = kiosk(request)
    form = await read_form(request)
    code = form.get("code").strip()
    visit = state.visits.get(request)
    if visit is not None and visit.known:
        # A card shopper's visit is theirs alone: a code starts a new visit for whoever typed it.
        state.visits.end(request)
        visit = None
    fresh = visit is None
    visit = visit or state.visits.start()
    if not code:
        outcome = Outcome(errors=[{"message": "Please type the code from the web site."}])
    else:
        outcome = await lists.claim_handoff(state.hub, visit, code)
    if not outcome.ok:
        if fresh:
            state.visits.drop(visit.id)
        shown = visit if not fresh and visit.profile_id else None
        return render(request, "continue.html", visit=shown, error=outcome.message, status_code=422)
    _take_over(visit, outcome.data)
    response = RedirectResponse("/basket?from=web", status_code=303, headers=NO_STORE)
    set_visit_cookie(response, visit)
    return response


def _take_over(visit: Visit, claimed: dict[str, object]) -> None:
    visit.profile_id = str(claimed.get("profileId") or visit.profile_id)
    visit.first_name = str(claimed.get("firstName") or "") or visit.first_name
    target = visit.wishlist if claimed.get("kind") == "WISHLIST" else visit.basket
    for item in claimed.get("items") or []:  # type: ignore[attr-defined]
        target[item["sku"]] = target.get(item["sku"], 0) + int(item["quantity"])


@page
async def basket(request: Request) -> Response:
    state, visit = await open_visit(request)
    found = await lists.products(state.hub, [*visit.basket, *visit.wishlist])
    options = await send_options(request, visit)
    return render(
        request,
        "basket.html",
        visit=visit,
        products=found,
        from_web=request.query_params.get("from") == "web",
        options=options,
    )


async def send_options(request: Request, visit: Visit) -> list[dict[str, str]]:
    """Where a list may go: the shopper's own email or phone on file, masked here again."""
    state = kiosk(request)
    if not visit.profile_id:
        return []
    found = await lists.contacts(state.hub, visit.profile_id)
    options: dict[str, dict[str, str]] = {}
    for ident in found:
        # The hub lists them oldest first and sends a list to the newest of a kind
        # (hub/handoff/service.py `send_list`): the button names that one. A profile has two
        # once another was merged into it.
        medium = MEDIA[ident["kind"]]
        options[medium] = {"medium": medium, "to": mask_identifier(ident["kind"], ident["value"])}
    return list(options.values())


@page
async def send(request: Request) -> Response:
    state, visit = await open_visit(request)
    form = await read_form(request)
    medium = form.get("medium")
    source = form.get("list")
    items: dict[str, int] = {}
    if source == "registry":
        # The registry's still-wanted items, read again from the hub (not from the form).
        found = await lists.registry(state.hub, form.get("code")[:20])
        for item in (found or {}).get("items") or []:
            if item["remaining"] > 0:
                items[item["sku"]] = item["remaining"]
    else:
        items = {**visit.wishlist, **visit.basket}
    if medium not in MEDIA.values() or not items:
        outcome = Outcome(errors=[{"message": "There is nothing to send."}])
    else:
        outcome = await lists.send_list(state.hub, visit.profile_id or "", items, medium)
    context: dict[str, Any] = {
        "sent": outcome.ok,
        "to": outcome.data.get("maskedRecipient"),
        "message": outcome.message,
    }
    if is_htmx(request):
        return render(request, "_sent.html", visit=visit, **context)
    return render(request, "sent.html", visit=visit, **context)


routes = [
    Route("/continue", continue_page),
    Route("/continue", claim, methods=["POST"]),
    Route("/basket", basket),
    Route("/send-list", send, methods=["POST"]),
]
