"""A shopper whose profile is merged into another elsewhere while their visit is open: the
kiosk's pages follow the merge to the survivor (the hub's `profile(id:)` does), and the live
relay hears the survivor's changes."""

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
)
from tests.kiosk.test_ledger import _merge_away

pytestmark = pytest.mark.browser


async def test_a_visit_merged_away_elsewhere_follows_the_survivor(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    survivor = await make_shopper(hub, "Rhona")
    shopper = await make_shopper(hub, "Seb")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await _merge_away(hub, survivor, shopper)
    await page.goto(kiosk.url + "/home")
    await page.locator("body[data-live=on]").wait_for(state="attached")
    picks = page.get_by_test_id("for-you").get_by_test_id("rec-item")
    await expect(picks.first).to_be_visible()
    for reason in await picks.get_by_test_id("rec-reason").all_inner_texts():
        assert reason.strip()
    # A change to the survivor, from the phone, shows here at once.
    note = await gql(
        hub,
        'mutation($id: ID!) { addNote(profileId: $id, text: "Merged follow-up") {'
        " userErrors { message } } }",
        {"id": survivor.profile_id},
        key=hub.agent_token(),
    )
    assert not note["addNote"]["userErrors"]
    await expect(page.locator(".live-note").last).to_contain_text("Your profile was updated")


async def test_the_greeting_after_a_merge_elsewhere_names_the_survivor(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    survivor = await make_shopper(hub, "Rhiannon")
    shopper = await make_shopper(hub, "Odile")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await expect(page.get_by_test_id("greeting")).to_contain_text("Odile")
    await _merge_away(hub, survivor, shopper)
    await page.goto(kiosk.url + "/home")
    # The card now belongs to the survivor: the screen greets whom signing in again would.
    await expect(page.get_by_test_id("greeting")).to_contain_text("Rhiannon")
    assert "Odile" not in await page.inner_text("body")


PRODUCTS = "query { products(first: 1) { sku } }"
CATEGORIES = "query { categories { slug } }"


@pytest.mark.parametrize(
    "path",
    [
        "/home",
        "/picks",
        "/preferences",
        "/basket",
        "/me",
        "/c/{category}",
        "/search?q=bag",
        "/p/{sku}",
        "/registry",
    ],
)
async def test_every_page_after_a_merge_elsewhere_shows_the_survivor_not_the_old_profile(
    page: Page, kiosk: KioskServer, hub: Any, path: str
) -> None:
    sku = (await gql(hub, PRODUCTS, key=hub.admin_key))["products"][0]["sku"]
    category = (await gql(hub, CATEGORIES, key=hub.admin_key))["categories"][0]["slug"]
    survivor = await make_shopper(hub, "Rosalind")
    shopper = await make_shopper(hub, "Ottoline")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await _merge_away(hub, survivor, shopper)
    response = await page.goto(kiosk.url + path.format(sku=sku, category=category))
    assert response is not None and response.status == 200, path
    text = await page.inner_text("body")
    assert "Ottoline" not in text, path
    assert "short break" not in text and "out of service" not in text.lower(), path
    assert_no_contact_data(text)
    # Back home, the visit goes on as the survivor.
    await page.goto(kiosk.url + "/home")
    await expect(page.get_by_test_id("greeting")).to_contain_text("Rosalind")


async def test_a_list_sent_after_a_merge_elsewhere_goes_where_the_screen_said(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    """The survivor now has two emails and two phones: the button names the one the hub sends
    to, not another of them."""
    sku = (await gql(hub, PRODUCTS, key=hub.admin_key))["products"][0]["sku"]
    survivor = await make_shopper(hub, "Roswitha")
    shopper = await make_shopper(hub, "Oona")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(kiosk.url + f"/p/{sku}")
    await page.get_by_test_id("add-to-basket").click()
    await expect(page.locator("#basket-note")).not_to_be_empty()
    await _merge_away(hub, survivor, shopper)
    await page.goto(kiosk.url + "/basket")
    button = page.get_by_test_id("send-list-email")
    offered = (await button.inner_text()).removeprefix("Email it to ").strip()
    await button.click()
    result = page.get_by_test_id("send-list-result")
    await expect(result).to_contain_text("Sent to")
    assert f"Sent to {offered}." in await result.inner_text()
