"""A code from one of our mailings, typed at the kiosk: the hub records the reply on the
recipient's profile (a CAMPAIGN_RESPONSE at the kiosk) and tells the kiosk their first name,
nothing more. A code is not a sign-in: it starts no visit and shows no one's picks, since
whoever holds the letter may not be the person it was sent to."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clients.kiosk.hub_client import HubClient
from clients.kiosk.pages import kiosk, page, read_form, render
from clients.kiosk.shopper import Outcome, outcome_of

# What a shopper reads for each refusal (the hub's messages are written for staff).
REFUSALS = {
    "NOT_FOUND": "We don't recognise that code. Please check it against your letter or email.",
    "CONTROL_GROUP": "That code can't be used here. Please ask a member of staff.",
    "SUPPRESSED": "That code can no longer be used.",
}
UNAVAILABLE = "Codes from our mailings can't be taken at this kiosk right now."


async def redeem(hub: HubClient, code: str) -> Outcome:
    answer = await hub.redeem_response_code(code=code)
    return outcome_of(answer.redeem_response_code)


def _shown(outcome: Outcome) -> str:
    codes = [e.get("code") for e in outcome.errors]
    return next((REFUSALS[c] for c in codes if c in REFUSALS), UNAVAILABLE)


async def form(request: Request) -> Response:
    visit = kiosk(request).visits.get(request)
    return render(request, "mailing_code.html", visit=visit if visit and visit.profile_id else None)


@page
async def submit(request: Request) -> Response:
    state = kiosk(request)
    code = (await read_form(request)).get("code").strip()[:40]
    visit = state.visits.get(request)
    shown = visit if visit and visit.profile_id else None
    if not code:
        error = "Please type the code printed on your letter or email."
        return render(request, "mailing_code.html", visit=shown, error=error, status_code=422)
    outcome = await redeem(state.hub, code)
    if not outcome.ok:
        error = _shown(outcome)
        return render(request, "mailing_code.html", visit=shown, error=error, status_code=422)
    first_name = str(outcome.data.get("firstName") or "").strip()
    return render(
        request,
        "mailing_code.html",
        visit=shown,
        thanked=first_name[:40],
        again=bool(outcome.data.get("duplicate")),
    )


routes = [
    Route("/mailing-code", form),
    Route("/mailing-code", submit, methods=["POST"]),
]
