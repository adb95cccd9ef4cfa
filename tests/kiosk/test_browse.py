"""Catalogue pages, tracking at once, and the "for you" panel changing within the visit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import KioskServer, gql, identify_at_kiosk, make_shopper, shoot

pytestmark = pytest.mark.browser

CATEGORIES = "query { categories { slug name productCount } }"
PRODUCTS = "query($c: String) { products(category: $c, first: 5) { sku name } }"
EVENTS = """
query($id: ID) { profile(id: $id) { recentEvents(first: 20) { type touchpoint productSku } } }
"""
HAS_RECS = '{ __type(name: "Profile") { fields { name } } }'


async def _a_category(hub: Any) -> dict[str, Any]:
    cats = (await gql(hub, CATEGORIES, key=hub.admin_key))["categories"]
    return max(cats, key=lambda c: c.get("productCount") or 0)


async def test_three_views_change_the_for_you_panel_with_reasons(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Gina")
    category = await _a_category(hub)
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    panel = page.get_by_test_id("for-you")
    before = await panel.inner_text()

    await page.goto(f"{kiosk.url}/c/{category['slug']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(category["name"])
    await shoot(page, "category")
    links = page.locator("main").get_by_test_id("product-link")
    assert await links.count() >= 3
    viewed = []
    for index in range(3):
        await page.goto(f"{kiosk.url}/c/{category['slug']}")
        link = page.locator("main").get_by_test_id("product-link").nth(index)
        viewed.append((await link.locator(".product-name").inner_text()).strip())
        await link.click()
        await expect(page.locator("article.product")).to_be_visible()
    await shoot(page, "product")

    after = await panel.inner_text()
    assert after != before
    fields = {f["name"] for f in (await gql(hub, HAS_RECS, key=hub.admin_key))["__type"]["fields"]}
    if "recommendations" in fields:
        items = panel.get_by_test_id("rec-item")
        assert await items.count() >= 1
        reasons = " ".join(await panel.get_by_test_id("rec-reason").all_inner_texts())
        named = [category["name"], *viewed]
        assert any(n.lower() in reasons.lower() for n in named), reasons
    else:
        # Until the hub recommends, the panel shows what it learned, in its own words.
        interests = " ".join(await panel.get_by_test_id("interest-item").all_inner_texts())
        assert category["name"].lower() in interests.lower(), interests

    events = (await gql(hub, EVENTS, {"id": shopper.profile_id}, key=hub.admin_key))["profile"]
    kiosk_views = [
        e for e in events["recentEvents"] if e["type"] == "VIEW" and e["touchpoint"] == "KIOSK"
    ]
    assert len(kiosk_views) == 3


async def test_add_to_basket_is_tracked(page: Page, kiosk: KioskServer, hub: Any) -> None:
    shopper = await make_shopper(hub, "Hal")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    sku = (await gql(hub, "query { products(first: 1) { sku } }", key=hub.admin_key))["products"][
        0
    ]["sku"]
    await page.goto(f"{kiosk.url}/p/{sku}")
    await page.get_by_test_id("add-to-basket").click()
    await expect(page.locator("#basket-note")).to_contain_text("Added")
    events = (await gql(hub, EVENTS, {"id": shopper.profile_id}, key=hub.admin_key))["profile"]
    assert {"type": "ADD_TO_CART", "touchpoint": "KIOSK", "productSku": sku} in events[
        "recentEvents"
    ]


async def test_search_finds_products(page: Page, kiosk: KioskServer, hub: Any) -> None:
    shopper = await make_shopper(hub, "Ida")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    name = (await gql(hub, "query { products(first: 1) { name } }", key=hub.admin_key))["products"][
        0
    ]["name"]
    word = max(re.findall(r"[A-Za-z]{4,}", name), key=len)
    await page.get_by_label("Search the store").fill(word)
    await page.get_by_label("Search the store").press("Enter")
    await expect(page.locator("main").get_by_test_id("product-link").first).to_be_visible()
