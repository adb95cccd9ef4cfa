"""Likes and the survey become explicit kiosk preferences; the Recommendation Center."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import KioskServer, gql, identify_at_kiosk, make_shopper, shoot

pytestmark = pytest.mark.browser

STATED = """
query($id: ID) { profile(id: $id) { preferences(source: EXPLICIT) { key value like touchpoint } } }
"""


async def _stated(hub: Any, profile_id: str) -> list[dict[str, Any]]:
    data = await gql(hub, STATED, {"id": profile_id}, key=hub.admin_key)
    return list(data["profile"]["preferences"])


async def _wait_for(check: Any, seconds: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.2)


async def test_ticking_a_preference_reaches_the_hub(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Jo")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(kiosk.url + "/preferences")
    toggle = page.get_by_test_id("preference-toggle").first
    key, value = await toggle.get_attribute("data-key"), await toggle.get_attribute("data-value")
    await toggle.check(force=True)

    async def liked() -> bool:
        prefs = await _stated(hub, shopper.profile_id)
        wanted = {"key": key, "value": value, "like": True, "touchpoint": "KIOSK"}
        return wanted in prefs

    assert await _wait_for(liked)
    # The panel on the same page shows the new like without a reload.
    await expect(page.get_by_test_id("for-you")).to_contain_text("You told us you like")
    await shoot(page, "preferences")

    await page.get_by_test_id("preference-toggle").first.uncheck(force=True)

    async def gone() -> bool:
        return not [p for p in await _stated(hub, shopper.profile_id) if p["value"] == value]

    assert await _wait_for(gone)


async def test_survey_answers_become_kiosk_preferences(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Kit")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(kiosk.url + "/preferences")
    first_answer = page.locator("input[name=shopping-for]").first
    value = await first_answer.get_attribute("value")
    await first_answer.check(force=True)
    await page.get_by_test_id("survey-submit").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    prefs = await _stated(hub, shopper.profile_id)
    assert {"key": "category", "value": value, "like": True, "touchpoint": "KIOSK"} in prefs


async def test_recommendation_center_is_popular_then_personal(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("browse-anonymous").click()
    await page.goto(kiosk.url + "/picks")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Popular in store now")
    await expect(page.get_by_test_id("rec-theme").first).to_be_visible()
    await shoot(page, "picks-popular")

    shopper = await make_shopper(hub, "Lou")
    await page.get_by_test_id("start-over").click()
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    slug = (await gql(hub, "query { categories { slug } }", key=hub.admin_key))["categories"][0]
    await page.goto(f"{kiosk.url}/c/{slug['slug']}")
    await page.locator("main").get_by_test_id("product-link").first.click()
    await page.goto(kiosk.url + "/picks")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your Recommendation Center")
    await expect(page.locator("main .rec-reason").first).to_be_visible()
    await shoot(page, "picks")


async def test_a_liked_theme_changes_the_picks(page: Page, kiosk: KioskServer, hub: Any) -> None:
    shopper = await make_shopper(hub, "Ola")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(kiosk.url + "/preferences")
    before = (
        await page.get_by_test_id("for-you")
        .get_by_test_id("rec-item")
        .evaluate_all("items => items.map(i => i.dataset.sku)")
    )
    theme = page.locator("[data-testid=preference-toggle][data-key=theme]").first
    value = await theme.get_attribute("data-value")
    await theme.check(force=True)
    await expect(page.get_by_test_id("your-likes")).to_contain_text(str(value).title())
    panel = page.get_by_test_id("for-you")
    await expect(panel.get_by_test_id("rec-reason").first).to_contain_text(str(value))
    after = await panel.get_by_test_id("rec-item").evaluate_all(
        "items => items.map(i => i.dataset.sku)"
    )
    assert after != before


CENTER = """
query($id: ID) {
  recommendationCenter(touchpoint: KIOSK, profileId: $id) {
    groups { title items { product { sku } } }
  }
}
"""
SHOWN = """
query($id: ID) { profile(id: $id) { recentEvents(first: 100, types: [RECOMMENDATION_SHOWN]) {
  productSku } } }
"""


async def test_the_picks_page_is_the_hubs_recommendation_center(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    """The page shows the hub's own groups (no regrouping in the kiosk), each pick reported as
    shown for attribution."""
    shopper = await make_shopper(hub, "Pia")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    slug = (await gql(hub, "query { categories { slug } }", key=hub.admin_key))["categories"][0]
    await page.goto(f"{kiosk.url}/c/{slug['slug']}")
    await page.locator("main").get_by_test_id("product-link").first.click()
    await page.goto(kiosk.url + "/picks")
    await expect(page.get_by_test_id("rec-theme").first).to_be_visible()
    titles = await page.get_by_test_id("rec-theme").locator("h2").all_inner_texts()
    center = await gql(hub, CENTER, {"id": shopper.profile_id}, key=hub.admin_key)
    groups = [g for g in center["recommendationCenter"]["groups"] if g["items"]]
    assert [t.casefold() for t in titles] == [g["title"].casefold() for g in groups]
    shown_skus = {i["product"]["sku"] for g in groups for i in g["items"]}

    async def reported() -> set[str]:
        data = await gql(hub, SHOWN, {"id": shopper.profile_id}, key=hub.admin_key)
        return {e["productSku"] for e in data["profile"]["recentEvents"]}

    found = await _wait_for(lambda: _superset(reported, shown_skus))
    assert found is not None and shown_skus <= found


async def _superset(read: Any, wanted: set[str]) -> set[str] | None:
    found: set[str] = await read()
    return found if wanted <= found else None
