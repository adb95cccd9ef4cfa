"""A customer erased elsewhere (the web, the phone) while their visit is open at the kiosk:
whatever the screen does next ends the visit, showing nothing of theirs, and no page says the
kiosk is out of service or shows the hub's own words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import BrowserContext, ConsoleMessage, Page, Route, expect

from tests.kiosk.support import KioskServer, Shopper, gql, identify_at_kiosk, make_shopper

pytestmark = pytest.mark.browser

ERASE = "mutation($id: ID!) { eraseProfile(profileId: $id) { erased userErrors { message } } }"
PRODUCTS = "query { products(first: 1) { sku } }"


async def _no_live(route: Route) -> None:
    # 204: the page's EventSource stops at once (as for a page with no visit), so only the
    # page's own requests can notice the erase.
    await route.fulfill(status=204)


@pytest.fixture
async def offline_page(context: BrowserContext) -> AsyncIterator[Page]:
    """A page whose live relay is cut (so the relay's own reset cannot hide what the pages
    do); it fails its test on script errors and console errors but the cut relay's own."""
    new = await context.new_page()
    await new.route("**/events", _no_live)
    problems: list[str] = []
    new.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and msg.text != "[object Event]":  # the cut EventSource
            problems.append(f"console: {msg.text}")

    new.on("console", on_console)
    yield new
    assert not problems, problems


async def _erase(hub: Any, shopper: Shopper) -> None:
    erased = await gql(hub, ERASE, {"id": shopper.profile_id}, key=hub.admin_key)
    assert erased["eraseProfile"]["erased"], erased


async def _assert_visit_over(page: Page, shopper: Shopper) -> None:
    await expect(page.get_by_test_id("identify-input")).to_be_visible()
    text = await page.inner_text("body")
    assert shopper.first_name not in text
    assert "There is no profile" not in text and "short break" not in text
    assert not [c for c in await page.context.cookies() if c["name"] == "kiosk_visit"]


@pytest.mark.parametrize(
    "path",
    [
        "/home",
        "/picks",
        "/preferences",
        "/basket",
        "/p/{sku}",
        "/me",
        "/search?q=bag",
        # These read nothing of the shopper's, yet the visit is over there too.
        "/registry",
        "/registry?q=wedding",
        "/banner",
    ],
)
async def test_a_page_opened_after_an_erase_elsewhere_ends_the_visit(
    offline_page: Page, kiosk: KioskServer, hub: Any, path: str
) -> None:
    page = offline_page
    sku = (await gql(hub, PRODUCTS, key=hub.admin_key))["products"][0]["sku"]
    shopper = await make_shopper(hub, "Quilla")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await _erase(hub, shopper)
    await page.goto(kiosk.url + path.format(sku=sku))
    await _assert_visit_over(page, shopper)


async def test_a_like_tapped_after_an_erase_elsewhere_ends_the_visit(
    offline_page: Page, kiosk: KioskServer, hub: Any
) -> None:
    page = offline_page
    shopper = await make_shopper(hub, "Ravi")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(kiosk.url + "/preferences")
    toggle = page.get_by_test_id("preference-toggle").first
    await expect(toggle).to_be_visible()
    await _erase(hub, shopper)
    await toggle.click()
    # Not the hub's "There is no profile “…”" beside the toggle: the whole screen starts over.
    await _assert_visit_over(page, shopper)


async def test_a_page_whose_live_relay_starts_after_an_erase_ends_the_visit(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Sami")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto("about:blank")  # between pages: no stream open to hear the ERASED change
    await _erase(hub, shopper)
    # The registry search reads nothing of the shopper's; its live relay is refused by the hub.
    await page.goto(kiosk.url + "/registry")
    await _assert_visit_over(page, shopper)


async def test_asking_for_a_ledger_code_after_an_erase_elsewhere_ends_the_visit(
    offline_page: Page, kiosk: KioskServer, hub: Any
) -> None:
    page = offline_page
    shopper = await make_shopper(hub, "Tilda")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.get_by_test_id("ledger-link").click()
    await expect(page.get_by_test_id("code-request")).to_be_visible()
    await _erase(hub, shopper)
    # Not the hub's "We don't know that identifier yet" on the gate: the visit is over.
    await page.get_by_test_id("code-request").click()
    await _assert_visit_over(page, shopper)


async def test_typing_a_ledger_code_after_an_erase_elsewhere_ends_the_visit(
    offline_page: Page, kiosk: KioskServer, hub: Any
) -> None:
    page = offline_page
    shopper = await make_shopper(hub, "Ulrike")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.get_by_test_id("ledger-link").click()
    await page.get_by_test_id("code-request").click()
    await expect(page.get_by_test_id("code-input")).to_be_visible()
    await _erase(hub, shopper)
    await page.get_by_test_id("code-input").fill("123456")
    await page.get_by_test_id("code-submit").click()
    await _assert_visit_over(page, shopper)


async def test_a_basket_tap_after_an_erase_elsewhere_ends_the_visit(
    offline_page: Page, kiosk: KioskServer, hub: Any
) -> None:
    page = offline_page
    sku = (await gql(hub, PRODUCTS, key=hub.admin_key))["products"][0]["sku"]
    shopper = await make_shopper(hub, "Vanora")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(kiosk.url + f"/p/{sku}")
    await expect(page.get_by_test_id("add-to-basket")).to_be_visible()
    await _erase(hub, shopper)
    # The hub drops (suppresses) the tap's event: not "Added to your basket" for no one.
    await page.get_by_test_id("add-to-basket").click()
    await _assert_visit_over(page, shopper)


async def test_the_banner_swapped_in_after_an_erase_elsewhere_ends_the_visit(
    offline_page: Page, kiosk: KioskServer, hub: Any
) -> None:
    """The banner alone, as htmx asks for it when the visit's profile changes: the answer
    sends the whole screen to the reset, not a banner for no one."""
    page = offline_page
    shopper = await make_shopper(hub, "Wendeline")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await _erase(hub, shopper)
    answer = await page.request.get(kiosk.url + "/banner", headers={"HX-Request": "true"})
    assert answer.status == 200, answer.status
    assert answer.headers.get("hx-redirect") == "/reset", answer.headers
    assert "no-store" in answer.headers.get("cache-control", "")
    # The visit is over on the server: its next page is the attract screen.
    await page.goto(kiosk.url + "/home")
    await _assert_visit_over(page, shopper)


async def test_a_registry_search_after_an_erase_elsewhere_ends_the_visit(
    offline_page: Page, kiosk: KioskServer, hub: Any
) -> None:
    page = offline_page
    shopper = await make_shopper(hub, "Xanthe")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(kiosk.url + "/registry")
    await expect(page.get_by_test_id("registry-search-input")).to_be_visible()
    await _erase(hub, shopper)
    await page.get_by_test_id("registry-search-input").fill("RAP-7K3Q")
    await page.get_by_test_id("registry-search-submit").click()
    await _assert_visit_over(page, shopper)
