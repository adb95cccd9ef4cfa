"""A code from one of our mailings, typed at the kiosk: the hub records the reply on the
recipient's profile (a CAMPAIGN_RESPONSE at the kiosk) and tells the kiosk their first name,
nothing more. A code is not a sign-in: it starts no visit and shows no one's picks, since
whoever holds the letter may not be the person it was sent to."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clients.kiosk.hub_client import Capabilities, HubClient
from clients.kiosk.pages import capabilities, kiosk, page, read_form, render
from clients.kiosk.shopper import USER_ERRORS, Outcome, outcome_of

# What a shopper reads for each refusal (the hub's messages are written for staff).
REFUSALS = {
    "NOT_FOUND": "We don't recognise that code. Please check it against your letter or email.",
    "CONTROL_GROUP": "That code can't be used here. Please ask a member of staff.",
    "SUPPRESSED": "That code can no longer be used.",
}
UNAVAILABLE = "Codes from our mailings can't be taken at this kiosk right now."


def has_response_codes(caps: Capabilities) -> bool:
    return caps.has("Mutation.redeemResponseCode")


async def redeem(hub: HubClient, caps: Capabilities, code: str) -> Outcome:
    if not has_response_codes(caps):
        return Outcome(errors=[{"code": "UNAVAILABLE", "message": UNAVAILABLE}])
    doc = f"""mutation KioskResponseCode($code: String!) {{
      redeemResponseCode(code: $code, touchpoint: KIOSK) {{
        redeemed firstName duplicate {USER_ERRORS} }} }}"""
    data = await hub.execute(doc, {"code": code})
    return outcome_of(data.get("redeemResponseCode"))


def _shown(outcome: Outcome) -> str:
    codes = [e.get("code") for e in outcome.errors]
    return next((REFUSALS[c] for c in codes if c in REFUSALS), UNAVAILABLE)


async def form(request: Request) -> Response:
    visit = kiosk(request).visits.get(request)
    return render(request, "mailing_code.html", visit=visit if visit and visit.profile_id else None)


@page
async def submit(request: Request) -> Response:
    state = kiosk(request)
    caps = await capabilities(request)
    code = (await read_form(request)).get("code").strip()[:40]
    visit = state.visits.get(request)
    shown = visit if visit and visit.profile_id else None
    if not code:
        error = "Please type the code printed on your letter or email."
        return render(request, "mailing_code.html", visit=shown, error=error, status_code=422)
    outcome = await redeem(state.hub, caps, code)
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
