"""Category, search and product pages; every view and add-to-basket is tracked at once."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clients.kiosk import shopper
from clients.kiosk.hub_api.enums import EventType
from clients.kiosk.hub_client import HubFailure
from clients.kiosk.pages import is_htmx, open_visit, page, render, typed_search

PAGE_SIZE = 12


@page
async def category(request: Request) -> Response:
    state, visit = await open_visit(request)
    slug = request.path_params["slug"]
    after = request.query_params.get("after") or None
    cats = await shopper.categories(state.hub)
    current = next((c for c in cats if c.get("slug") == slug), None)
    if current is None:
        # An address the store has no department for: not a page named after whatever the
        # address held (an email typed into it would be the heading and the window's title).
        return render(request, "not_found.html", visit=visit, status_code=404)
    try:
        found = await shopper.products(state.hub, category=slug, first=PAGE_SIZE, after=after)
    except HubFailure as failure:
        if after is None or "after" not in failure.fields:
            raise
        # A cursor the hub does not know (an edited address, a product withdrawn since the
        # page before) is no outage: the page a wrong address gets.
        return render(request, "not_found.html", visit=visit, status_code=404)
    panel = await shopper.panel_for_page(state.hub, visit)
    return render(
        request,
        "category.html",
        visit=visit,
        category=current,
        categories=cats,
        found=found,
        panel=panel,
    )


@page
async def search(request: Request) -> Response:
    state, visit = await open_visit(request)
    # An email or phone typed here (to sign in?): off the address bar, unsearched, untracked.
    text = typed_search(request, 100)
    found = shopper.ProductPage(items=[])
    if text:
        found = await shopper.products(state.hub, search=text, first=PAGE_SIZE * 2)
        await shopper.track(state.hub, visit, EventType.SEARCH, properties={"query": text})
    panel = await shopper.panel_for_page(state.hub, visit)
    contact = request.query_params.get("contact") == "1"
    return render(
        request, "search.html", visit=visit, text=text, found=found, panel=panel, contact=contact
    )


@page
async def product(request: Request) -> Response:
    state, visit = await open_visit(request)
    sku = request.path_params["sku"]
    item = await shopper.product(state.hub, sku)
    if item is None:
        return render(request, "not_found.html", visit=visit, status_code=404)
    # Tracked before the panel is read: the hub learns in the event's own transaction, so the
    # picks shown under this product already know about this view.
    rec_id = request.query_params.get("rec")
    if rec_id:
        await shopper.track(
            state.hub,
            visit,
            EventType.RECOMMENDATION_CLICKED,
            sku=sku,
            properties={"recommendationId": rec_id},
        )
    await shopper.track(state.hub, visit, EventType.VIEW, sku=sku)
    panel = await shopper.panel_for_page(state.hub, visit)
    return render(request, "product.html", visit=visit, product=item, panel=panel)


@page
async def add_to_basket(request: Request) -> Response:
    state, visit = await open_visit(request)
    sku = request.path_params["sku"]
    outcome = await shopper.track(state.hub, visit, EventType.ADD_TO_CART, sku=sku)
    if outcome.ok:
        visit.basket[sku] = visit.basket.get(sku, 0) + 1
    template = "_basket_note.html" if is_htmx(request) else "basket_added.html"
    return render(
        request,
        template,
        visit=visit,
        sku=sku,
        added=outcome.ok,
        message=outcome.message,
    )


routes = [
    Route("/c/{slug:str}", category),
    Route("/search", search),
    Route("/p/{sku:str}", product),
    Route("/p/{sku:str}/basket", add_to_basket, methods=["POST"]),
]
