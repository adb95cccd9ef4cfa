"""Personal pages: the live "for you" panel, the Recommendation Center, likes and the survey."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clients.kiosk import shopper
from clients.kiosk.hub_api.enums import EventType
from clients.kiosk.pages import open_visit, page, read_form, render

# The short "serve you better" survey: each question's answers come from the hub's own catalogue
# (its categories and themes), so every answer is a preference the recommender understands.
SURVEY = (
    ("shopping-for", "What are you shopping for today?", "category", True),
    ("styles", "Which styles do you love?", "theme", True),
    ("not-for-me", "Anything you would rather not see?", "category", False),
)


@page
async def for_you_panel(request: Request) -> Response:
    state, visit = await open_visit(request)
    panel = await shopper.panel(state.hub, visit)
    return render(request, "_for_you.html", visit=visit, panel=panel)


@page
async def recommendation_center(request: Request) -> Response:
    state, visit = await open_visit(request)
    center = await shopper.recommendation_center(state.hub, visit)
    return render(request, "picks.html", visit=visit, center=center)


def _liked(panel: dict[str, Any] | None) -> dict[tuple[str, str], bool]:
    prefs = (panel or {}).get("preferences") or []
    explicit = [p for p in prefs if p.get("source", "EXPLICIT") == "EXPLICIT"]
    return {(p["key"], p["value"]): p.get("like", True) for p in explicit}


@page
async def preferences(request: Request) -> Response:
    state, visit = await open_visit(request)
    cats = await shopper.categories(state.hub)
    themes = await shopper.themes(state.hub)
    panel = await shopper.panel_for_page(state.hub, visit)
    return render(
        request,
        "preferences.html",
        visit=visit,
        categories=cats,
        themes=themes,
        liked=_liked(panel),
        panel=panel,
        survey=SURVEY,
    )


@page
async def toggle_preference(request: Request) -> Response:
    state, visit = await open_visit(request)
    form = await read_form(request)
    key, value = form.get("key"), form.get("value")
    label = form.get("label", value)
    checked = form.get("checked") == "on"
    change: dict[str, Any] = {"key": key, "value": value, "like": True}
    if not checked:
        change = shopper.removal(key, value)
    outcome = await shopper.set_preferences(state.hub, visit.profile_id or "", [change])
    response = render(
        request,
        "_preference_toggle.html",
        visit=visit,
        option={"key": key, "value": value, "label": label},
        checked=checked if outcome.ok else not checked,
        error=outcome.message,
    )
    # The panel on the same page refreshes at once; the hub's change event follows over SSE.
    response.headers["HX-Trigger"] = "picks-changed"
    return response


@page
async def submit_survey(request: Request) -> Response:
    state, visit = await open_visit(request)
    form = await read_form(request)
    # One answer per facet value: "rather not see" after "shopping for" is the last word.
    by_value: dict[tuple[str, str], dict[str, Any]] = {}
    for question, _text, key, like in SURVEY:
        for value in form.getlist(question):
            answer = {"key": key, "value": value, "like": like, "question": question}
            by_value[(key, value)] = answer
    answers = list(by_value.values())
    outcome = shopper.Outcome()
    if answers:
        outcome = await shopper.set_preferences(state.hub, visit.profile_id or "", answers)
        if outcome.ok:
            await shopper.track(
                state.hub, visit, EventType.SURVEY, properties={"answers": len(answers)}
            )
    panel = await shopper.panel_for_page(state.hub, visit)
    return render(
        request,
        "survey_thanks.html",
        visit=visit,
        outcome=outcome,
        answered=len(answers),
        panel=panel,
    )


routes = [
    Route("/for-you", for_you_panel),
    Route("/picks", recommendation_center),
    Route("/preferences", preferences),
    Route("/preferences/toggle", toggle_preference, methods=["POST"]),
    Route("/survey", submit_survey, methods=["POST"]),
]
