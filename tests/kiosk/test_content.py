"""Segments in the ledger: the groups a shopper is in, each with why."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import (
    KioskServer,
    assert_no_contact_data,
    gql,
    identify_at_kiosk,
    make_shopper,
    open_ledger,
    shoot,
)

pytestmark = pytest.mark.browser

CHRISTMAS_PRODUCTS = 'query { products(category: "christmas", first: 3) { sku } }'
MEMBERSHIPS = "query($id: ID) { profile(id: $id) { segments { segment { name } reason } } }"
INTEREST_REASON = "You have shown a lot of interest in Christmas"


async def _view_christmas_products(page: Page, kiosk: KioskServer, hub: Any) -> None:
    products = (await gql(hub, CHRISTMAS_PRODUCTS, key=hub.admin_key))["products"]
    assert len(products) == 3
    for product in products:
        await page.goto(f"{kiosk.url}/p/{product['sku']}")
        await expect(page.locator(f"article.product[data-sku='{product['sku']}']")).to_be_visible()


async def test_the_ledger_lists_groups_with_why_and_forgetting_the_interest_removes_them(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Nell")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await _view_christmas_products(page, kiosk, hub)
    held = await gql(hub, MEMBERSHIPS, {"id": shopper.profile_id}, key=hub.admin_key)
    reasons = {m["segment"]["name"]: m["reason"] for m in held["profile"]["segments"]}
    assert reasons.get("Christmas shoppers") == INTEREST_REASON, reasons

    await open_ledger(page, kiosk, hub, shopper, signed_in=True)
    section = page.locator("#groups")
    await expect(section.get_by_role("heading", level=2)).to_have_text("Groups you're in, and why")
    await expect(section).to_contain_text("what you did and what you told us")
    groups = page.get_by_test_id("ledger-segment")
    await expect(groups).to_have_count(len(reasons))
    christmas = groups.filter(has_text="Christmas shoppers")
    await expect(christmas.get_by_test_id("segment-reason")).to_have_text(INTEREST_REASON)
    await expect(christmas).to_contain_text("Christmas decorations")  # the group's description
    assert_no_contact_data(await page.inner_text("body"))
    await shoot(page, "ledger-groups", focus="#groups")

    interest = page.locator(
        "[data-testid=ledger-interest][data-key=category][data-value=christmas]"
    )
    await interest.get_by_test_id("forget-interest").click()
    await expect(interest).to_have_count(0)
    await expect(groups.filter(has_text="Christmas shoppers")).to_have_count(0)
    held = await gql(hub, MEMBERSHIPS, {"id": shopper.profile_id}, key=hub.admin_key)
    assert "Christmas shoppers" not in {m["segment"]["name"] for m in held["profile"]["segments"]}
