"""'What we know about you': the shopper's own ledger, behind a one-time code.

Nothing from the profile is read, let alone shown, before the code is redeemed; the token it
buys stays on the kiosk server with the visit and goes when the visit goes.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from clients.kiosk import selfservice, shopper
from clients.kiosk.hub_client import HubError, HubFailure
from clients.kiosk.masking import (
    IDENTIFIER_WORDS,
    MASK,
    looks_like_contact,
    mask_email,
    mask_identifier,
    mask_phone,
)
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
from clients.kiosk.shopper import Outcome

log = logging.getLogger("clients.kiosk")

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


async def _as_now(state: KioskState, visit: Visit) -> None:
    """A signed-in visit checked with the hub before the gate or its code: they are for the
    profile as it is now (merged elsewhere: the survivor, which the visit follows; erased
    elsewhere: `ProfileGone`, which ends the visit as every page does)."""
    if visit.known:
        await shopper.visitor(state.hub, visit)


async def _gate(request: Request, state: KioskState, visit: Visit, **context: Any) -> Response:
    if request.query_params.get("expired"):
        context.setdefault("error", "Your time to see your details ran out. Ask for a new code.")
    return render(request, "ledger_gate.html", visit=visit, **context)


class SignInEnded(HubError):
    """The hub refuses the shopper's token the profile this visit signed in as (FORBIDDEN):
    it was merged into another elsewhere, and the token may read neither."""


def _own(outcome: Outcome) -> Outcome:
    """A change sent with the shopper's token, unless the hub refused the token the profile."""
    if any(e.get("code") == "FORBIDDEN" for e in outcome.errors):
        raise SignInEnded("the token no longer reaches its profile", 403)
    return outcome


def _refused(exc: HubError) -> bool:
    return isinstance(exc, SignInEnded) or (
        isinstance(exc, HubFailure) and "FORBIDDEN" in exc.codes
    )


def _signed_out(request: Request) -> Response:
    """The visit's sign-in is over: end the visit (token and all) and say so, plainly."""
    kiosk(request).visits.end(request)
    response = render(request, "signed_out.html")
    clear_visit_cookie(response)
    return response


def ledger_page(handler: Handler) -> Handler:
    """A page that uses the shopper's token: when the hub no longer takes it, close the ledger
    (401: the token ran out); when it no longer lets it reach the profile (FORBIDDEN: merged
    into another elsewhere), the sign-in itself has ended, so the visit ends."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except HubError as exc:
            visit = kiosk(request).visits.get(request)
            if visit is None:
                raise
            if _refused(exc):
                log.info("%s: the shopper's profile is out of the token's reach", request.url.path)
                return _signed_out(request)
            if exc.status != 401:
                raise
            visit.close_ledger()
            return RedirectResponse("/me?expired=1", status_code=303, headers=NO_STORE)

    return page(wrapped)


def _row_key(kind: str, value: str) -> str:
    """How a form names an identifier row: its kind and the masked value already on screen."""
    return f"{kind}:{mask_identifier(kind, value)}"


def _same_masked(kind: str, one: str, other: str) -> bool:
    return mask_identifier(kind, one).casefold() == mask_identifier(kind, other).casefold()


def _signed_in_with(visit: Visit, kind: str, shown: str) -> str | None:
    """The full value of the row when it is the identifier this visit signed in with."""
    if visit.identifier is None or visit.unlinked:
        return None
    signed_kind, signed_value = visit.identifier
    if signed_kind == kind and _same_masked(kind, signed_value, shown):
        return signed_value
    return None


async def _show(request: Request, state: KioskState, visit: Visit, **extra: Any) -> Response:
    """The ledger itself; `extra` carries an open form and the hub's userErrors for it."""
    profile = await selfservice.ledger(
        state.hub, visit.ledger_profile_id or "", visit.ledger_token or ""
    )
    if profile is None:
        return await _gate(request, state, visit, error="Your profile could not be found.")
    prefs = profile.get("preferences") or []
    events = profile.get("recentEvents")
    # Picks the kiosk reported as shown are the kiosk's doing, not the shopper's: counted only.
    shown = [e for e in events or [] if e.get("type") == "RECOMMENDATION_SHOWN"]
    shown += profile.get("shownPicks") or []
    identifiers = [
        {
            **ident,
            "row": _row_key(ident["kind"], ident["value"]),
            "shown": mask_identifier(ident["kind"], ident["value"]),
            "signed_in": _signed_in_with(visit, ident["kind"], ident["value"]) is not None,
        }
        for ident in profile.get("identifiers") or []
    ]
    traits = profile.get("traits") if isinstance(profile.get("traits"), dict) else {}
    learned = [p for p in prefs if p.get("source") == "IMPLICIT"]
    problems = dict(extra.pop("problems", None) or {})
    rows = {f"interest:{p.get('key')}:{p.get('value')}" for p in learned}
    for name in [n for n in problems if n.startswith("interest:") and n not in rows]:
        # The interest is no longer on the page (gone already): say so above the list.
        problems["learned"] = problems.pop(name)
    return render(
        request,
        "ledger.html",
        visit=visit,
        profile=profile,
        identifiers=identifiers,
        title=(traits or {}).get("title") or "",
        told=[p for p in prefs if p.get("source", "EXPLICIT") == "EXPLICIT"],
        learned=learned,
        consents={c["purpose"]: c for c in profile.get("consents") or []},
        consent_words=CONSENT_WORDS,
        # None when the hub has no segments: the section is left out rather than shown empty.
        segments=profile.get("segments"),
        activity=None if events is None else [e for e in events if e not in shown],
        shown=len(shown),
        problems=problems,
        **extra,
    )


@ledger_page
async def ledger(request: Request) -> Response:
    state, visit = await open_visit(request)
    if not visit.known or not visit.ledger_open():
        await _as_now(state, visit)
        return await _gate(request, state, visit)
    # A form opened in place, without script: ?edit=name, or ?remove=KIND:masked.
    editing = request.query_params.get("edit") == "name"
    removing = request.query_params.get("remove") or None
    return await _show(request, state, visit, editing=editing, removing=removing)


@page
async def request_code(request: Request) -> Response:
    state, visit = await open_visit(request)
    await _as_now(state, visit)
    if not visit.known:
        return await _gate(request, state, visit)
    outcome = await selfservice.request_code(state.hub, _identifier(visit))
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
    state, visit = await open_visit(request)
    await _as_now(state, visit)
    if not visit.known:
        return await _gate(request, state, visit)
    code = (await read_form(request)).get("code").strip().replace(" ", "")
    if not code:
        return await _gate(request, state, visit, error="Please type the code we sent you.")
    outcome = await selfservice.redeem_code(state.hub, _identifier(visit), code)
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
    state, visit = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    form = await read_form(request)
    key, value = form.get("key"), form.get("value")
    # "Not for me" on a learned interest states a dislike, which outranks it; "Forget this"
    # (forget_interest below) deletes it instead.
    if form.get("action") == "dislike":
        change: dict[str, Any] = {"key": key, "value": value, "like": False}
    else:
        change = shopper.removal(key, value)
    _own(
        await shopper.set_preferences(
            state.hub, visit.ledger_profile_id or "", [change], bearer=visit.ledger_token
        )
    )
    return _to_ledger("#told")


@ledger_page
async def change_consent(request: Request) -> Response:
    state, visit = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    form = await read_form(request)
    _own(
        await shopper.set_consent(
            state.hub,
            visit.ledger_profile_id or "",
            form.get("purpose"),
            form.get("granted") == "true",
            bearer=visit.ledger_token,
        )
    )
    return _to_ledger("#consent")


def _field_problems(outcome: Any, default: str) -> dict[str, str]:
    """The hub's userErrors by the input field they name (the last part of its path)."""
    found: dict[str, str] = {}
    for error in outcome.errors:
        path = error.get("field") or []
        name = str(path[-1]) if path else default
        # An error about the whole input, or a field without a box here, goes by the first box.
        name = name if name in TRAIT_FIELDS else default
        found[name] = " ".join(filter(None, (found.get(name), error.get("message", ""))))
    return found


@ledger_page
async def forget_interest(request: Request) -> Response:
    state, visit = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    form = await read_form(request)
    key, value = form.get("key"), form.get("value")
    outcome = _own(
        await selfservice.forget_interest(
            state.hub, visit.ledger_profile_id or "", key, value, visit.ledger_token or ""
        )
    )
    if not outcome.ok:
        problems = {f"interest:{key}:{value}": outcome.message or "That could not be forgotten."}
        return await _show(request, state, visit, problems=problems)
    return _to_ledger("#learned")


@ledger_page
async def remove_identifier(request: Request) -> Response:
    """Remove one identifier; its full value never goes to the browser.

    The kiosk sends the hub the full value only when it knows it already (the card or contact
    this visit signed in with); any other one the shopper types out in full to confirm, and it
    must match the masked value on that row.
    """
    state, visit = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    form = await read_form(request)
    kind, shown = form.get("kind"), form.get("shown")
    row = f"{kind}:{shown}"
    words = IDENTIFIER_WORDS.get(kind, "identifier").lower()
    value = _signed_in_with(visit, kind, shown)
    if value is None:
        typed = form.get("confirm").strip()
        problem = ""
        if not typed:
            problem = f"Please type the full {words} to confirm."
        elif not _same_masked(kind, typed, shown):
            problem = f"That does not match the {words} shown here."
        if problem:
            return await _show(
                request, state, visit, removing=row, problems={f"identifier:{row}": problem}
            )
        value = typed
    outcome = _own(
        await selfservice.remove_identifier(
            state.hub,
            visit.ledger_profile_id or "",
            {"kind": kind, "value": value},
            visit.ledger_token or "",
        )
    )
    if not outcome.ok:
        message = outcome.message or f"That {words} could not be removed."
        return await _show(
            request, state, visit, removing=row, problems={f"identifier:{row}": message}
        )
    if _signed_in_with(visit, kind, shown) is not None:
        # The visit goes on (the shopper is still here, the ledger still open), but nothing more
        # is sent under the removed card, and the screen says so.
        visit.unlinked = f"{IDENTIFIER_WORDS.get(kind, kind)} {mask_identifier(kind, value)}"
    return _to_ledger("#identifiers")


TRAIT_FIELDS = ("firstName", "lastName", "title")


CONTACT_NOT_SHOWN = (
    "That looked like an email address or phone number, so it is not shown again on this "
    "shared screen. Type the name again, or leave the box empty to keep it."
)


def _shown_again(typed: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """A refused form's boxes as typed, but for a box holding an email or phone number: that
    one comes back empty (an empty box keeps the name as it is), named in the second list."""
    unshown = [name for name, text in typed.items() if looks_like_contact(text)]
    return {n: ("" if n in unshown else text) for n, text in typed.items()}, unshown


@ledger_page
async def edit_name(request: Request) -> Response:
    state, visit = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    form = await read_form(request)
    typed = {name: form.get(name).strip() for name in TRAIT_FIELDS}
    # An empty box means "leave as it is": the hub keeps a trait it is not sent. So does a box
    # still holding the masked text it was filled with (a name stored as an email address is
    # shown "o***@example.org"): that is the screen's mask, not a new name.
    traits = {name: text for name, text in typed.items() if text and MASK not in text}
    outcome = _own(
        await selfservice.update_traits(
            state.hub, visit.ledger_profile_id or "", traits, visit.ledger_token or ""
        )
    )
    if not outcome.ok:
        problems = {f"name:{k}": v for k, v in _field_problems(outcome, "firstName").items()}
        shown, unshown = _shown_again(typed)
        problems.update({f"name:{name}": CONTACT_NOT_SHOWN for name in unshown})
        return await _show(request, state, visit, editing=True, typed=shown, problems=problems)
    first = ((outcome.data.get("profile") or {}).get("firstName")) or traits.get("firstName")
    if first:
        visit.first_name = first
    return _to_ledger("#identifiers")


@ledger_page
async def erase(request: Request) -> Response:
    state, visit = await open_visit(request)
    if not visit.ledger_open():
        return _to_ledger()
    if (await read_form(request)).get("confirm") != "yes":
        return render(request, "erase_confirm.html", visit=visit)
    outcome = _own(
        await selfservice.erase(state.hub, visit.ledger_profile_id or "", visit.ledger_token or "")
    )
    if not outcome.ok:
        return render(request, "erase_confirm.html", visit=visit, error=outcome.message)
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
    Route("/me/interest/forget", forget_interest, methods=["POST"]),
    Route("/me/identifier/remove", remove_identifier, methods=["POST"]),
    Route("/me/name", edit_name, methods=["POST"]),
    Route("/me/erase", erase, methods=["POST"]),
]
