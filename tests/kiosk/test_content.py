"""The home banner from the hub's `kiosk-home` slot, with its reason; segments in the ledger."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
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

SLOT = "kiosk-home"
ITEM_FIELDS = "id slot name title body link segmentId touchpoints priority startsAt endsAt active"
ITEMS = f"""
query {{ contentItems(slot: "{SLOT}") {{ {ITEM_FIELDS} }} segments {{ id name }} }}
"""
SAVE_CONTENT = f"""
mutation($input: ContentInput!) {{
  saveContent(input: $input) {{ content {{ {ITEM_FIELDS} }} userErrors {{ field message }} }}
}}
"""
SAVE_SEGMENT = """
mutation($input: SegmentInput!) {
  saveSegment(input: $input) { segment { id name } userErrors { field message } }
}
"""
CHRISTMAS_PRODUCTS = 'query { products(category: "christmas", first: 3) { sku } }'
SET_PREFS = """
mutation($id: ID!, $prefs: [PreferenceInput!]!) {
  setPreferences(profileId: $id, touchpoint: CALL_CENTER, preferences: $prefs) {
    userErrors { field code message }
  }
}
"""
MEMBERSHIPS = "query($id: ID) { profile(id: $id) { segments { segment { name } reason } } }"
CHRISTMAS_LIKE = [{"key": "category", "value": "christmas", "like": True}]
INTEREST_REASON = "You have shown a lot of interest in Christmas"
TOLD_REASON = "You told us you like Christmas"


async def _seeded(hub: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The demo's untargeted welcome item and its item for "Christmas shoppers"."""
    data = await gql(hub, ITEMS, key=hub.admin_key)
    christmas = next(s for s in data["segments"] if s["name"] == "Christmas shoppers")
    items = [i for i in data["contentItems"] if i["active"]]
    welcome = max(
        (i for i in items if i["segmentId"] is None), key=lambda i: i["priority"], default=None
    )
    targeted = next((i for i in items if i["segmentId"] == christmas["id"]), None)
    assert welcome and targeted, data
    return welcome, targeted


async def _save_content(hub: Any, item: dict[str, Any]) -> dict[str, Any]:
    data = await gql(hub, SAVE_CONTENT, {"input": item}, key=hub.admin_key)
    assert not data["saveContent"]["userErrors"], data
    return dict(data["saveContent"]["content"])


async def _view_christmas_products(page: Page, kiosk: KioskServer, hub: Any) -> None:
    products = (await gql(hub, CHRISTMAS_PRODUCTS, key=hub.admin_key))["products"]
    assert len(products) == 3
    for product in products:
        await page.goto(f"{kiosk.url}/p/{product['sku']}")
        await expect(page.locator(f"article.product[data-sku='{product['sku']}']")).to_be_visible()


async def _expect_banner(page: Page, item: dict[str, Any], reason: str) -> None:
    banner = page.get_by_test_id("content-banner")
    await expect(banner).to_have_count(1)
    await expect(banner.get_by_role("heading")).to_have_text(item["title"])
    await expect(banner).to_contain_text(item["body"])
    await expect(banner.get_by_test_id("content-reason")).to_have_text(
        f"Why you see this: {reason}"
    )


async def test_an_anonymous_visit_sees_the_welcome_then_christmas_after_three_views(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    welcome, christmas = await _seeded(hub)
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("browse-anonymous").click()
    await page.get_by_test_id("greeting").wait_for()
    await _expect_banner(page, welcome, "Shown to every visitor")
    # The seeded items have no link; a banner without one offers nothing to tap.
    await expect(page.get_by_test_id("content-link")).to_have_count(0)
    await shoot(page, "banner-welcome")

    await _view_christmas_products(page, kiosk, hub)
    await page.get_by_role("link", name="Rapport Home & Gifts home").click()
    await _expect_banner(page, christmas, INTEREST_REASON)
    await shoot(page, "banner-christmas")


async def test_the_banner_follows_identify_and_withdrawn_personalisation(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    welcome, christmas = await _seeded(hub)
    shopper = await make_shopper(hub, "Holly")
    told = await gql(
        hub, SET_PREFS, {"id": shopper.profile_id, "prefs": CHRISTMAS_LIKE}, key=hub.admin_key
    )
    assert not told["setPreferences"]["userErrors"]

    # Browsing without a card: nothing known, so the banner is the one for everybody.
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("browse-anonymous").click()
    await _expect_banner(page, welcome, "Shown to every visitor")
    # The card makes the visit this shopper's: the banner is now theirs, with why.
    await page.get_by_test_id("sign-in-link").click()
    await page.get_by_test_id("identify-input").fill(shopper.loyalty_id)
    await page.get_by_test_id("identify-submit").click()
    await expect(page.get_by_test_id("greeting")).to_contain_text("Holly")
    await _expect_banner(page, christmas, TOLD_REASON)

    await open_ledger(page, kiosk, hub, shopper, signed_in=True)
    group = page.get_by_test_id("ledger-segment").filter(has_text="Christmas shoppers")
    await expect(group).to_contain_text(TOLD_REASON)
    consent = page.locator("[data-testid=ledger-consent][data-purpose=PERSONALIZATION]")
    await consent.get_by_role("button", name="Withdraw").click()
    await expect(consent).to_contain_text("No")
    # Still listed (the hub still works the group out) means the page must say it is unused.
    if await page.get_by_test_id("ledger-segment").count():
        await expect(page.get_by_test_id("groups-unused")).to_be_visible()

    await page.get_by_role("link", name="Rapport Home & Gifts home").click()
    await _expect_banner(page, welcome, "Shown to every visitor")


async def test_a_change_elsewhere_swaps_the_banner_in_place(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    welcome, christmas = await _seeded(hub)
    shopper = await make_shopper(hub, "Ivy")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await _expect_banner(page, welcome, "Shown to every visitor")
    await page.evaluate("window.__sameDocument = true")
    await page.locator("body[data-live=on]").wait_for(state="attached")

    token = hub.agent_token()
    told = await gql(hub, SET_PREFS, {"id": shopper.profile_id, "prefs": CHRISTMAS_LIKE}, key=token)
    assert not told["setPreferences"]["userErrors"]
    await _expect_banner(page, christmas, TOLD_REASON)
    assert await page.evaluate("window.__sameDocument === true")


@pytest.fixture
async def linked_item(hub: Any) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """A segment of one store (its name unique to this test) and a banner for it, removed after."""
    store = f"Kiosk test {os.urandom(3).hex()}"
    rule = {"trait": {"name": "preferredStore", "equals": store}}
    saved = await gql(
        hub, SAVE_SEGMENT, {"input": {"name": store, "rule": rule}}, key=hub.admin_key
    )
    assert not saved["saveSegment"]["userErrors"], saved
    segment_id = saved["saveSegment"]["segment"]["id"]
    item = await _save_content(
        hub,
        {
            "slot": SLOT,
            "name": store,
            "title": "Lights for the garden",
            "body": "Solar lanterns and string lights, new this week.",
            "link": "/c/garden",
            "segmentId": segment_id,
            "priority": 1000,
        },
    )
    try:
        yield store, item
    finally:
        await gql(
            hub,
            "mutation($id: ID!) { deleteContent(id: $id) { userErrors { message } } }",
            {"id": item["id"]},
            key=hub.admin_key,
        )
        await gql(
            hub,
            "mutation($id: ID!) { deleteSegment(id: $id) { userErrors { message } } }",
            {"id": segment_id},
            key=hub.admin_key,
        )


async def test_a_banner_links_only_to_the_kiosks_own_pages(
    page: Page, kiosk: KioskServer, hub: Any, linked_item: tuple[str, dict[str, Any]]
) -> None:
    store, item = linked_item
    shopper = await make_shopper(hub, "Leo")
    await gql(
        hub,
        "mutation($id: ID!, $t: TraitsInput!) { updateTraits(profileId: $id, traits: $t,"
        " touchpoint: STORE) { userErrors { message } } }",
        {"id": shopper.profile_id, "t": {"preferredStore": store}},
        key=hub.admin_key,
    )
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await _expect_banner(page, item, f"Your preferred store is {store}")
    link = page.get_by_test_id("content-link")
    await expect(link).to_have_attribute("href", "/c/garden")
    await shoot(page, "banner-link")
    await link.click()
    garden = await gql(hub, "query { categories { slug name } }", key=hub.admin_key)
    name = next(c["name"] for c in garden["categories"] if c["slug"] == "garden")
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)

    # A web address is a fine link for a web site, but the kiosk is a closed screen: no link.
    await _save_content(hub, {**_input_of(item), "link": "https://example.com/offer"})
    await page.goto(kiosk.url + "/home")
    await _expect_banner(page, item, f"Your preferred store is {store}")
    await expect(page.get_by_test_id("content-link")).to_have_count(0)
    hrefs = await page.locator("a[href]").evaluate_all(
        "links => links.map(l => l.getAttribute('href'))"
    )
    assert not [h for h in hrefs if "example.com" in h], hrefs
    # Paths that lead to another site are refused by the hub already (the kiosk's own check,
    # covered in test_units, stays as a second line).
    for outside in ("//example.com/offer", "/\\example.com/offer"):
        refused = await gql(
            hub, SAVE_CONTENT, {"input": {**_input_of(item), "link": outside}}, key=hub.admin_key
        )
        assert refused["saveContent"]["userErrors"][0]["field"] == ["input", "link"]


def _input_of(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "updatedAt"}


async def test_no_banner_when_the_slot_has_nothing(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    welcome, _ = await _seeded(hub)
    await _save_content(hub, {**_input_of(welcome), "active": False})
    try:
        await page.goto(kiosk.url + "/")
        await page.get_by_test_id("browse-anonymous").click()
        await page.get_by_test_id("greeting").wait_for()
        await expect(page.get_by_test_id("for-you")).to_be_visible()
        await expect(page.get_by_test_id("content-banner")).to_have_count(0)
        await expect(page.get_by_test_id("content-reason")).to_have_count(0)
    finally:
        await _save_content(hub, {**_input_of(welcome), "active": True})
    await page.reload()
    await _expect_banner(page, welcome, "Shown to every visitor")


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
