"""The personalised banner on the home page: the hub's `kiosk-home` content slot, with its reason.

The hub picks the item (targeted to a segment the shopper is in, or shown to everyone) and says
why in plain words; the kiosk shows that reason under the banner. A kiosk is a closed place: a
link is followed only when it is a page of this kiosk, never to another site.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clients.kiosk import shopper
from clients.kiosk.hub_client import HubClient, HubError
from clients.kiosk.pages import open_visit, page, render
from clients.kiosk.sessions import Visit

log = logging.getLogger("clients.kiosk")

EVERYONE = "Shown to every visitor"
# Pages a banner may lead to: browsing and the shopper's own pages, never /reset or /events.
KIOSK_PAGES = (
    "/home",
    "/c",
    "/p",
    "/search",
    "/picks",
    "/preferences",
    "/registry",
    "/continue",
    "/basket",
    "/me",
)


def kiosk_path(link: str | None) -> str | None:
    """`link` when it is a path to one of the kiosk's pages, else None (no link is shown)."""
    text = (link or "").strip()
    if not text or "\\" in text or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text):
        return None
    parts = urlsplit(text)
    # "//host/…" (and "///host/…", to a browser) is another site without a scheme.
    if parts.scheme or parts.netloc or text.startswith("//") or not text.startswith("/"):
        return None
    # "/c/../reset" would leave the browsing pages once the browser tidies the path.
    if any(s in {".", ".."} for s in unquote(parts.path).split("/")):
        return None
    if not any(parts.path == p or parts.path.startswith(p + "/") for p in KIOSK_PAGES):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def banner_view(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """The hub's content item as the banner shows it; None when the slot has nothing."""
    if not item or not item.get("title"):
        return None
    segment = item.get("segment") or {}
    return {
        "id": item.get("id"),
        "title": item["title"],
        "body": item.get("body") or "",
        "reason": item.get("reason") or (EVERYONE if not segment else ""),
        "segment": segment.get("name"),
        "href": kiosk_path(item.get("link")),
    }


async def home_banner(hub: HubClient, visit: Visit) -> dict[str, Any] | None:
    """The banner for this visit now; a banner the hub cannot give is no reason to fail a page."""
    try:
        item = await shopper.content(hub, shopper.HOME_SLOT, visit.profile_id)
    except HubError as exc:
        log.warning("content slot %s unavailable: %s", shopper.HOME_SLOT, exc)
        return None
    return banner_view(item)


@page
async def banner_slot(request: Request) -> Response:
    """The banner alone, for htmx to swap in when the visit's profile changes."""
    state, visit = await open_visit(request)
    # Swapped in on a change to the visit's profile: an erase elsewhere is such a change, and
    # ends the visit here (`ProfileGone`) rather than leaving a banner for no one; a merge
    # elsewhere makes the banner the survivor's.
    await shopper.visitor(state.hub, visit)
    banner = await home_banner(state.hub, visit)
    return render(request, "_banner.html", visit=visit, banner=banner)


routes = [Route("/banner", banner_slot)]
