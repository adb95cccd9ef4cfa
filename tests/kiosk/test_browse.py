"""Catalogue pages, tracking at once, and the "for you" panel changing within the visit."""

from __future__ import annotations

import csv
import gzip
import os
import re
from collections import Counter
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import REPO, KioskServer, gql, identify_at_kiosk, make_shopper, shoot

pytestmark = pytest.mark.browser

CATEGORIES = "query { categories { slug name productCount } }"
PRODUCTS = "query($c: String) { products(category: $c, first: 5) { sku name } }"
EVENTS = """
query($id: ID) { profile(id: $id) { recentEvents(first: 100) { type touchpoint productSku } } }
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
    await shoot(page, "search")


async def test_a_long_department_pages_on(page: Page, kiosk: KioskServer, hub: Any) -> None:
    shopper = await make_shopper(hub, "Kai")
    category = await _a_category(hub)
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(f"{kiosk.url}/c/{category['slug']}")
    links = page.locator("main").get_by_test_id("product-link")
    first_page = await links.evaluate_all("ls => ls.map(l => l.getAttribute('href'))")
    await page.get_by_role("link", name=f"More {category['name']}").click()
    second_page = await links.evaluate_all("ls => ls.map(l => l.getAttribute('href'))")
    assert second_page and not set(first_page) & set(second_page)


async def test_picks_are_reported_shown_and_clicked(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Jan")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    pick = page.get_by_test_id("for-you").get_by_test_id("rec-item").first
    sku = await pick.get_attribute("data-sku")
    await pick.get_by_test_id("product-link").click()
    await expect(page.locator(f"article.product[data-sku='{sku}']")).to_be_visible()
    events = (await gql(hub, EVENTS, {"id": shopper.profile_id}, key=hub.admin_key))["profile"]
    kinds = {(e["type"], e["productSku"]) for e in events["recentEvents"]}
    assert ("RECOMMENDATION_SHOWN", sku) in kinds
    assert ("RECOMMENDATION_CLICKED", sku) in kinds
    assert ("VIEW", sku) in kinds


def _busiest_customer() -> str:
    """The Customer ID with the most invoice lines in the seeded sample."""
    with gzip.open(REPO / "tests" / "data" / "retail_sample.csv.gz", "rt", newline="") as f:
        counts = Counter(row["Customer ID"] for row in csv.DictReader(f) if row["Customer ID"])
    return counts.most_common(1)[0][0].removesuffix(".0")


async def test_a_customer_with_history_gets_personal_picks(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    # A real customer of the sample, given a loyalty card and a first name for the kiosk.
    card = f"RAP-T{os.getpid()}"
    await gql(
        hub,
        "mutation($ids: [IdentifierInput!]!) { identify(input: {identifiers: $ids,"
        ' traits: {firstName: "Rosa"}, touchpoint: STORE}) { userErrors { message } } }',
        {
            "ids": [
                {"kind": "CRM_ID", "value": _busiest_customer()},
                {"kind": "LOYALTY_ID", "value": card},
            ]
        },
        key=hub.admin_key,
    )
    await identify_at_kiosk(page, kiosk, card)
    await expect(page.get_by_test_id("greeting")).to_have_text("Welcome back, Rosa")
    panel = page.get_by_test_id("for-you")
    await expect(panel.get_by_role("heading", level=2)).to_have_text("For you")
    reasons = await panel.get_by_test_id("rec-reason").all_inner_texts()
    assert reasons and all(r.strip() for r in reasons)
    await shoot(page, "home-persona")
