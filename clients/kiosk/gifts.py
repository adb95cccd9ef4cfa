"""Gift registry pages: find a registry by code or name, see what is still wanted, buy one."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from clients.kiosk import lists, shopper
from clients.kiosk.handoff import send_options
from clients.kiosk.pages import (
    NO_STORE,
    kiosk,
    open_visit,
    page,
    read_form,
    render,
    typed_search,
)
from clients.kiosk.sessions import set_visit_cookie

# RAP-7K3Q as printed on an invitation, typed with or without the dash, or just 7K3Q.
_CODE = re.compile(r"^(RAP[\s-]*)?[2-9A-Z]{4}$", re.IGNORECASE)


@page
async def start(request: Request) -> Response:
    """From the attract screen: a registry visit is an anonymous visit (a guest buying a gift)."""
    state = kiosk(request)
    visit = state.visits.get(request)
    if visit is None or not visit.profile_id:
        state.visits.end(request)
        visit = state.visits.start()
        anonymous = {"kind": "ANONYMOUS_ID", "value": visit.anonymous_id}
        outcome = await shopper.identify(state.hub, [anonymous])
        visit.profile_id = (outcome.data.get("profile") or {}).get("id")
    response = RedirectResponse("/registry", status_code=303, headers=NO_STORE)
    set_visit_cookie(response, visit)
    return response


@page
async def find(request: Request) -> Response:
    state, visit = await open_visit(request)
    # Nothing here is the shopper's, but a visit whose customer was erased elsewhere ends here
    # as on every page (`ProfileGone`), and one merged away goes on as the survivor.
    await shopper.visitor(state.hub, visit)
    # An email or phone typed here: off the address bar and the field, never looked up.
    text = typed_search(request, 60)
    matches: list[dict[str, object]] = []
    error = None
    if request.query_params.get("contact") == "1":
        error = "Registries are found by their code or a name, not an email or phone number."
    if text:
        compact = text.replace(" ", "")
        if _CODE.match(compact):
            found = await lists.registry(state.hub, compact)
            if found is not None:
                return RedirectResponse(
                    f"/registry/{found['code']}", status_code=303, headers=NO_STORE
                )
        if len(text.replace(" ", "")) >= 3:
            matches = await lists.find_registries(state.hub, text)
        if not matches:
            error = "We could not find a registry like that. Check the code on the invitation."
    return render(
        request,
        "registry.html",
        visit=visit,
        text=text,
        query=text,
        matches=matches,
        error=error,
    )


@page
async def show(request: Request) -> Response:
    state, visit = await open_visit(request)
    code = request.path_params["code"]
    found = await lists.registry(state.hub, code)
    if found is None:
        return render(request, "not_found.html", visit=visit, status_code=404)
    bought = request.query_params.get("bought")
    return render(
        request,
        "registry_view.html",
        visit=visit,
        registry=found,
        bought=bought if bought in {i["sku"] for i in found["items"]} else None,
        error=None,
        options=await send_options(request, visit),
    )


@page
async def buy(request: Request) -> Response:
    state, visit = await open_visit(request)
    code = request.path_params["code"]
    form = await read_form(request)
    sku = form.get("sku").strip()[:64]
    outcome = await lists.buy_from_registry(state.hub, visit, code, sku)
    if not outcome.ok:
        found = await lists.registry(state.hub, code)
        if found is None:
            return render(request, "not_found.html", visit=visit, status_code=404)
        return render(
            request,
            "registry_view.html",
            visit=visit,
            registry=found,
            bought=None,
            error=outcome.message,
            options=await send_options(request, visit),
            status_code=422,
        )
    visit.basket[sku] = visit.basket.get(sku, 0) + 1
    return RedirectResponse(f"/registry/{code}?bought={sku}", status_code=303, headers=NO_STORE)


routes = [
    Route("/registry/start", start, methods=["POST"]),
    Route("/registry", find),
    Route("/registry/{code:str}", show),
    Route("/registry/{code:str}/buy", buy, methods=["POST"]),
]
