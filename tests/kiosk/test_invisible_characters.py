"""Invisible format characters (Unicode category Cf: bidi overrides, isolates and marks,
zero-width spaces) typed into a search box: the shared screen never echoes them (a right-to-left
override would show the results heading reversed or spoofed), the address bar and the field
lose them, the hub is asked and told without them, and they hide no phone number."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import unquote_plus

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import KioskServer, gql, identify_at_kiosk, make_shopper

pytestmark = pytest.mark.browser

SEARCHES = (
    "query($id: ID) { profile(id: $id) { recentEvents(first: 5, types: [SEARCH]) { properties } } }"
)


def _invisible(text: str) -> list[str]:
    return [f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) == "Cf"]


async def _assert_no_invisible(page: Page) -> None:
    assert not _invisible(unquote_plus(page.url)), page.url
    assert not _invisible(await page.content())
    for value in await page.locator("input").evaluate_all("els => els.map(e => e.value)"):
        assert not _invisible(value), value


@pytest.mark.parametrize(
    "typed",
    [
        "\u202ebag",  # RIGHT-TO-LEFT OVERRIDE
        "\u2067bag\u2069",  # RIGHT-TO-LEFT ISOLATE ... POP DIRECTIONAL ISOLATE
        "\u200fb\u200ea\u200bg\u00ad",  # marks, a zero-width space, a soft hyphen
    ],
)
async def test_bidi_controls_typed_into_the_store_search_are_not_echoed(
    page: Page, kiosk: KioskServer, hub: Any, typed: str
) -> None:
    shopper = await make_shopper(hub, "Vesna")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.locator("#search-q").fill(typed)
    await page.locator("#search-q").press("Enter")
    await page.wait_for_url("**/search?**")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Results for “bag”")
    await expect(page.locator(".products li").first).to_be_visible()
    await _assert_no_invisible(page)
    searches = await gql(hub, SEARCHES, {"id": shopper.profile_id}, key=hub.admin_key)
    queries = [e["properties"].get("query") for e in searches["profile"]["recentEvents"]]
    assert queries == ["bag"], queries


async def test_a_phone_number_split_by_invisible_characters_is_still_not_shown_back(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Wanda")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.locator("#search-q").fill("07700\u200b\u200b\u200b\u200b900456")
    await page.locator("#search-q").press("Enter")
    await expect(page.get_by_test_id("typed-contact")).to_be_visible()
    assert "900456" not in unquote_plus(page.url) and "900456" not in await page.content()
    searches = await gql(hub, SEARCHES, {"id": shopper.profile_id}, key=hub.admin_key)
    assert searches["profile"]["recentEvents"] == []


async def test_bidi_controls_typed_into_the_registry_search_are_not_echoed(
    page: Page, kiosk: KioskServer
) -> None:
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("registry-start").click()
    await page.get_by_test_id("registry-search-input").fill("\u202eyppah\u202c")
    await page.get_by_test_id("registry-search-submit").click()
    await expect(page.get_by_test_id("registry-error")).to_be_visible()
    await expect(page.get_by_test_id("registry-search-input")).to_have_value("yppah")
    await _assert_no_invisible(page)
