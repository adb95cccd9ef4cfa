"""Live updates: the kiosk subscribes to the hub's `profileChanged` and relays it as SSE.

One event stream per open page; each holds one graphql-transport-ws subscription for the
visit's profile and ends with the page (or when the visit ends, which tells the page to reset).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from clients import words
from clients.kiosk import shopper
from clients.kiosk.hub_client import HubClient, HubError
from clients.kiosk.pages import NO_STORE, kiosk
from clients.transport import SubscriptionRefused

log = logging.getLogger(__name__)

KEEP_ALIVE_SECONDS = 15.0
_ENDED = object()
_GONE = object()
_SUBSCRIBED = object()


def sse(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


def notice_html(change: dict[str, Any]) -> str:
    # Said on a shared screen, so only where a change came from, never what it contained.
    where = words.notice(change.get("touchpoint"))
    what = "Your picks were" if change.get("kind") == "PREFERENCES" else "Your profile was"
    return f'<p class="live-note" role="status">{what} updated {html.escape(where)}.</p>'


async def _pump(hub: HubClient, profile_id: str, queue: asyncio.Queue[object]) -> None:
    try:
        subscribed = functools.partial(queue.put_nowait, _SUBSCRIBED)
        async for data in hub.profile_changed(profile_id, on_subscribed=subscribed):
            await queue.put(data.profile_changed.model_dump(mode="json", by_alias=True))
    except Exception as exc:  # any end of the socket ends the stream; the page reconnects
        log.info("profile subscription ended: %s", exc)
        if isinstance(exc, SubscriptionRefused) and await _gone(hub, profile_id):
            # Erased while no stream was open (between pages, a lost socket): the hub refuses
            # the subscription, and no ERASED change will ever come to end the visit.
            await queue.put(_GONE)
            return
    await queue.put(_ENDED)


async def _gone(hub: HubClient, profile_id: str) -> bool:
    try:
        await shopper.for_you(hub, profile_id, first=0)
    except shopper.ProfileGone:
        return True
    except HubError:
        pass
    return False


async def events(request: Request) -> Response:
    state = kiosk(request)
    visit = state.visits.get(request)
    if visit is None or not visit.profile_id:
        # 204 tells the browser's EventSource there is nothing to follow.
        return Response(status_code=204, headers=NO_STORE)
    visit_id, profile_id = visit.id, visit.profile_id

    async def stream() -> AsyncIterator[str]:
        queue: asyncio.Queue[object] = asyncio.Queue()
        pump = asyncio.create_task(_pump(state.hub, profile_id, queue))
        try:
            yield "retry: 3000\n\n"
            while True:
                try:
                    change = await asyncio.wait_for(queue.get(), timeout=KEEP_ALIVE_SECONDS)
                except TimeoutError:
                    if state.visits.peek(visit_id) is None:
                        yield sse("visit-ended", "")
                        return
                    yield ": keep-alive\n\n"
                    continue
                if change is _ENDED:
                    return
                if change is _SUBSCRIBED:
                    yield sse("live", "")
                    continue
                if change is _GONE or (isinstance(change, dict) and change.get("kind") == "ERASED"):
                    # Erased elsewhere (web, phone): nothing of this visit may stay on screen.
                    state.visits.drop(visit_id)
                    yield sse("visit-ended", "")
                    return
                assert isinstance(change, dict)
                yield sse("profile-changed", str(change.get("version", "")))
                if change.get("touchpoint") != "KIOSK":
                    # The shopper's own taps need no announcement; a change from elsewhere does.
                    yield sse("notice", notice_html(change))
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    headers = {**NO_STORE, "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


routes = [Route("/events", events)]
