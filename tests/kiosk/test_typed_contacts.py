"""A shopper who types their email or phone into a search box (thinking it signs them in):
the shared screen does not show it back, not on the page, in a field or in the address."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import (
    FULL_EMAIL,
    FULL_PHONE,
    KioskServer,
    assert_no_contact_data,
    identify_at_kiosk,
    make_shopper,
)

pytestmark = pytest.mark.browser


async def _assert_not_echoed(page: Page, typed: str) -> None:
    address = unquote_plus(page.url)
    assert typed not in address and not FULL_EMAIL.search(address), address
    assert not FULL_PHONE.search(address), address
    html = await page.content()
    assert typed not in html and "jo.bloggs" not in html
    assert_no_contact_data(await page.inner_text("body"))
    for value in await page.locator("input").evaluate_all("els => els.map(e => e.value)"):
        assert typed not in value


@pytest.mark.parametrize("typed", ["jo.bloggs@example.com", "07700 900456"])
async def test_contact_details_typed_into_the_store_search_are_not_shown_back(
    page: Page, kiosk: KioskServer, hub: Any, typed: str
) -> None:
    shopper = await make_shopper(hub, "Tova")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.locator("#search-q").fill(typed)
    await page.locator("#search-q").press("Enter")
    await page.wait_for_url("**/search?**")
    await _assert_not_echoed(page, typed)
    await expect(page.get_by_test_id("typed-contact")).to_be_visible()


@pytest.mark.parametrize("typed", ["jo.bloggs@example.com", "07700 900456"])
async def test_contact_details_typed_into_the_registry_search_are_not_shown_back(
    page: Page, kiosk: KioskServer, typed: str
) -> None:
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("registry-start").click()
    await page.get_by_test_id("registry-search-input").fill(typed)
    await page.get_by_test_id("registry-search-submit").click()
    await expect(page.get_by_test_id("registry-error")).to_be_visible()
    await _assert_not_echoed(page, typed)


async def test_a_category_address_the_store_does_not_have_is_not_found_not_named(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Ulla")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    # Asked with the screen's own visit (its cookie); a 404 in the page would log a console error.
    response = await page.context.request.get(kiosk.url + "/c/jo.bloggs@example.com")
    assert response.status == 404
    text = await response.text()
    assert "We couldn't find that" in text
    assert "jo.bloggs" not in text
