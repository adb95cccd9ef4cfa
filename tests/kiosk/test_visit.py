"""Attract screen, identify, anonymous browsing that identifies later, and the idle reset."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.kiosk.support import (
    KioskServer,
    assert_no_contact_data,
    free_port,
    gql,
    identify_at_kiosk,
    make_shopper,
    shoot,
    start_kiosk,
    stop_kiosk,
)

pytestmark = pytest.mark.browser

PROFILE_EVENTS = """
query($id: ID) {
  profile(id: $id) {
    id identifiers { kind } recentEvents(first: 50) { type touchpoint productSku }
  }
}
"""
FIRST_PRODUCTS = "query { products(first: 3) { sku name } }"


async def test_attract_screen_offers_both_ways_in(page: Page, kiosk: KioskServer) -> None:
    await page.goto(kiosk.url + "/")
    await expect(page.get_by_test_id("identify-input")).to_be_visible()
    await expect(page.get_by_test_id("identify-submit")).to_be_visible()
    await expect(page.get_by_test_id("browse-anonymous")).to_be_visible()
    # Touch targets: the two ways in are big.
    for hook in ("identify-submit", "browse-anonymous"):
        box = await page.get_by_test_id(hook).bounding_box()
        assert box is not None and box["height"] >= 72
    await shoot(page, "attract")


async def test_loyalty_card_greets_by_first_name_only(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Anna")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await expect(page.get_by_test_id("greeting")).to_have_text("Welcome back, Anna")
    body = await page.inner_text("body")
    assert "Kiosktest" not in body  # first name only
    assert shopper.email not in body and shopper.phone.replace(" ", "") not in body
    assert_no_contact_data(body)
    assert hub.kiosk_key not in await page.content()
    assert all(hub.kiosk_key not in c["value"] for c in await page.context.cookies())
    await shoot(page, "home")


async def test_phone_or_email_work_too(page: Page, kiosk: KioskServer, hub: Any) -> None:
    shopper = await make_shopper(hub, "Pia")
    for typed in (shopper.phone, shopper.email.upper()):
        await page.goto(kiosk.url + "/")
        await page.get_by_test_id("identify-input").fill(typed)
        await page.get_by_test_id("identify-submit").click()
        await expect(page.get_by_test_id("greeting")).to_have_text("Welcome back, Pia")
        assert_no_contact_data(await page.inner_text("body"))
        await page.get_by_test_id("start-over").click()


async def test_unknown_input_is_refused_with_a_message(page: Page, kiosk: KioskServer) -> None:
    await page.goto(kiosk.url + "/")
    await page.get_by_role("radio", name="Email").check(force=True)
    await page.get_by_test_id("identify-input").fill("test@test.com")
    await page.get_by_test_id("identify-submit").click()
    await expect(page.locator(".error")).to_be_visible()
    await expect(page.get_by_test_id("greeting")).to_have_count(0)


async def test_anonymous_visit_carries_its_views_when_the_shopper_identifies(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Bea")
    products = (await gql(hub, FIRST_PRODUCTS, key=hub.admin_key))["products"][:2]
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("browse-anonymous").click()
    await expect(page.get_by_test_id("greeting")).to_contain_text("Hello")
    for product in products:
        await page.goto(f"{kiosk.url}/p/{product['sku']}")
        await expect(page.locator("article.product")).to_be_visible()
    await page.get_by_test_id("sign-in-link").click()
    await page.get_by_test_id("identify-input").fill(shopper.loyalty_id)
    await page.get_by_test_id("identify-submit").click()
    await expect(page.get_by_test_id("greeting")).to_have_text("Welcome back, Bea")
    data = await gql(hub, PROFILE_EVENTS, {"id": shopper.profile_id}, key=hub.admin_key)
    viewed = {
        e["productSku"]
        for e in data["profile"]["recentEvents"]
        if e["type"] == "VIEW" and e["touchpoint"] == "KIOSK"
    }
    assert {p["sku"] for p in products} <= viewed
    assert "ANONYMOUS_ID" in {i["kind"] for i in data["profile"]["identifiers"]}


async def test_a_second_card_starts_a_new_visit_and_never_joins_two_customers(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    first = await make_shopper(hub, "Cleo")
    second = await make_shopper(hub, "Dan")
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("browse-anonymous").click()
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("identify-input").fill(first.loyalty_id)
    await page.get_by_test_id("identify-submit").click()
    await expect(page.get_by_test_id("greeting")).to_have_text("Welcome back, Cleo")
    await page.goto(kiosk.url + "/")  # the attract screen sends a running visit home
    await page.get_by_test_id("start-over").click()
    await identify_at_kiosk(page, kiosk, second.loyalty_id)
    await expect(page.get_by_test_id("greeting")).to_have_text("Welcome back, Dan")
    query = "query($id: ID) { profile(id: $id) { id firstName } }"
    one = await gql(hub, query, {"id": first.profile_id}, key=hub.admin_key)
    two = await gql(hub, query, {"id": second.profile_id}, key=hub.admin_key)
    assert one["profile"]["id"] != two["profile"]["id"]
    assert (one["profile"]["firstName"], two["profile"]["firstName"]) == ("Cleo", "Dan")


async def test_idle_timer_asks_then_resets_and_clears_the_visit(
    context: BrowserContext, quick_kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Eve")
    page = await context.new_page()
    await identify_at_kiosk(page, quick_kiosk, shopper.loyalty_id)
    await expect(page.get_by_test_id("idle-reset")).to_be_visible(timeout=6_000)
    await expect(page.get_by_test_id("idle-reset")).to_contain_text("Still there?")
    await shoot(page, "still-there")
    await expect(page.get_by_test_id("identify-input")).to_be_visible(timeout=12_000)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", page.url)
    assert not [c for c in await context.cookies() if c["name"] == "kiosk_visit"]
    # htmx notes the current path (now "/") in sessionStorage; nothing else may be kept.
    stored = await page.evaluate(
        "Object.fromEntries([...Object.entries(sessionStorage), ...Object.entries(localStorage)])"
    )
    assert stored in ({}, {"htmx-current-path-for-history": "/"}), stored
    # Nothing personal comes back: not by URL, not by the back button.
    await page.goto(quick_kiosk.url + "/home")
    await expect(page.get_by_test_id("greeting")).to_have_count(0)
    await page.go_back()
    await expect(page.get_by_test_id("greeting")).to_have_count(0)
    assert "Eve" not in await page.inner_text("body")


async def test_still_here_keeps_the_visit(
    context: BrowserContext, quick_kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Fay")
    page = await context.new_page()
    await identify_at_kiosk(page, quick_kiosk, shopper.loyalty_id)
    await expect(page.get_by_test_id("idle-reset")).to_be_visible(timeout=6_000)
    await page.get_by_role("button", name="Yes, I'm still here").click()
    await expect(page.get_by_test_id("idle-reset")).to_be_hidden()
    await expect(page.get_by_test_id("greeting")).to_have_text("Welcome back, Fay")


async def test_a_hub_that_is_down_gives_a_polite_page_not_an_error(page: Page, hub: Any) -> None:
    dead_hub = SimpleNamespace(url=f"http://127.0.0.1:{free_port()}", kiosk_key="rk_kiosk_unused")
    server = start_kiosk(dead_hub, "kiosk-no-hub")
    try:
        await page.goto(server.url + "/")
        await page.get_by_test_id("browse-anonymous").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("short break")
    finally:
        stop_kiosk(server)
