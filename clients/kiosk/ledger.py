"""'What we know about you': the shopper's own ledger, behind a one-time code.

Nothing from the profile is read, let alone shown, before the code is redeemed; the token it
buys stays on the kiosk server with the visit and goes when the visit goes.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from clients.kiosk import selfservice, shopper
from clients.kiosk.hub_client import HubError
from clients.kiosk.masking import mask_email, mask_phone
from clients.kiosk.pages import (
    NO_STORE,
    Handler,
    KioskState,
    kiosk,
    open_visit,
    page,
    read_form,
    render,
)
from clients.kiosk.sessions import Visit, clear_visit_cookie

# Shorter than the hub's token: the ledger closes on this screen well before the token ends.
LEDGER_MINUTES = 10
CONSENT_WORDS = {
    "PERSONALIZATION": "Use what I do to personalise my picks",
    "MARKETING_EMAIL": "Offers by email",
    "MARKETING_SMS": "Offers by text message",
    "MARKETING_POST": "Offers by post",
    "ANALYTICS": "Help improve the store (analytics)",
}
MEDIUM_WORDS = {"EMAIL": "by email", "SMS": "by text message"}


def _identifier(visit: Visit) -> dict[str, str]:
    kind, value = visit.identifier or ("ANONYMOUS_ID", visit.anonymous_id)
    return {"kind": kind, "value": value}


def _to_ledger(anchor: str = "") -> Response:
    return RedirectResponse(f"/me{anchor}", status_code=303, headers=NO_STORE)


async def _gate(request: Request, state: KioskState, visit: Visit, **context: Any) -> Response:
    caps = await state.hub.capabilities()
    if request.query_params.get("expired"):
        context.setdefault("error", "Your time to see your details ran out. Ask for a new code.")
    return render(
        request,
        "ledger_gate.html",
        visit=visit,
        caps=caps,
        available=selfservice.available(caps),
        **context,
    )


def ledger_page(handler: Handler) -> Handler:
    """A page that uses the shopper's token: when the hub no longer takes it, close the ledger."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except HubError as exc:
            visit = kiosk(request).visits.get(request)
            if exc.status != 401 or visit is None:
                raise
            visit.close_ledger()
            return RedirectResponse("/me?expired=1", status_code=303, headers=NO_STORE)

    return page(wrapped)


@ledger_page
async def ledger(request: Request) -> Response:
    state, visit, caps = await open_visit(request)
    if not visit.known or not selfservice.available(caps) or not visit.ledger_open():
        return await _gate(request, state, visit)
    profile = await selfservice.ledger(
        state.hub, caps, visit.ledger_profile_id or "", visit.ledger_token or ""
    )
    if profile is None:
        return await _gate(request, state, visit, error="Your profile could not be found.")
    prefs = profile.get("preferences") or []
    events = profile.get("recentEvents")
    # Picks the kiosk reported as shown are the kiosk's doing, not the shopper's: counted only.
    shown = [e for e in events or [] if e.get("type") == "RECOMMENDATION_SHOWN"]
    return render(
        request,
        "ledger.html",
        visit=visit,
        caps=caps,
        profile=profile,
        told=[p for p in prefs if p.get("source", "EXPLICIT") == "EXPLICIT"],
        learned=[p for p in prefs if p.get("source") == "IMPLICIT"],
        consents={c["purpose"]: c for c in profile.get("consents") or []},
        consent_words=CONSENT_WORDS,
        activity=None if events is None else [e for e in events if e not in shown],
        shown=len(shown),
    )


@page
async def request_code(request: Request) -> Response:
    state, visit, caps = await open_visit(request)
    if not visit.known or not selfservice.available(caps):
        return await _gate(request, state, visit)
    outcome = await selfservice.request_code(state.hub, caps, _identifier(visit))
    if outcome.ok:
        visit.code_requested = True
        medium = str(outcome.data.get("medium") or "")
        recipient = str(outcome.data.get("maskedRecipient") or "")
        # Masked by the hub already; masked here again all the same, as everywhere on screen.
        recipient = mask_email(recipient) if medium == "EMAIL" else mask_phone(recipient)
        visit.code_sent_to = f"{MEDIUM_WORDS.get(medium, '')} to {recipient}".strip()
    return await _gate(request, state, visit, error=outcome.message, sent=outcome.ok)


@page
async def redeem_code(request: Request) -> Response:
    state, visit, caps = await open_visit(request)
    if not visit.known or not selfservice.available(caps):
        return await _gate(request, state, visit)
    code = (await read_form(request)).get("code").strip().replace(" ", "")
    if not code:
        return await _gate(request, state, visit, error="Please type the code we sent you.")
    outcome = await selfservice.redeem_code(state.hub, caps, _identifier(visit), code)
    token = outcome.data.get("token")
    if not outcome.ok or not token:
        message = outcome.message or "That code did not work. Please try again."
        return await _gate(request, state, visit, error=message)
    visit.ledger_token = token
    visit.ledger_profile_id = outcome.data.get("profileId") or visit.profile_id
    visit.ledger_until = time.monotonic() + LEDGER_MINUTES * 60
    return _to_ledger()


@ledger_page
async def change_preference(request: Request) -> Response:
    state, visit, caps = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    form = await read_form(request)
    key, value = form.get("key"), form.get("value")
    # A learned interest cannot be deleted, but a stated "not for me" outranks it.
    if form.get("action") == "dislike":
        change: dict[str, Any] = {"key": key, "value": value, "like": False}
    else:
        change = shopper.removal(caps, key, value)
    await shopper.set_preferences(
        state.hub, caps, visit.ledger_profile_id or "", [change], bearer=visit.ledger_token
    )
    return _to_ledger("#told")


@ledger_page
async def change_consent(request: Request) -> Response:
    state, visit, caps = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    form = await read_form(request)
    await shopper.set_consent(
        state.hub,
        caps,
        visit.ledger_profile_id or "",
        form.get("purpose"),
        form.get("granted") == "true",
        bearer=visit.ledger_token,
    )
    return _to_ledger("#consent")


@ledger_page
async def erase(request: Request) -> Response:
    state, visit, caps = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    if (await read_form(request)).get("confirm") != "yes":
        return render(request, "erase_confirm.html", visit=visit, caps=caps)
    outcome = await selfservice.erase(
        state.hub, caps, visit.ledger_profile_id or "", visit.ledger_token or ""
    )
    if not outcome.ok:
        return render(request, "erase_confirm.html", visit=visit, caps=caps, error=outcome.message)
    # The profile is gone: so is this visit.
    kiosk(request).visits.end(request)
    response = render(request, "erased.html")
    clear_visit_cookie(response)
    return response


routes = [
    Route("/me", ledger),
    Route("/me/code/request", request_code, methods=["POST"]),
    Route("/me/code", redeem_code, methods=["POST"]),
    Route("/me/preferences", change_preference, methods=["POST"]),
    Route("/me/consent", change_consent, methods=["POST"]),
    Route("/me/erase", erase, methods=["POST"]),
]
