"""Gift registry, continue-from-the-web and "send this list to me" at the kiosk."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import KioskServer, gql, identify_at_kiosk, make_shopper, shoot

pytestmark = pytest.mark.browser

SKUS = "query { products(first: 3) { sku name } }"
CREATE_REGISTRY = """
mutation($id: ID!, $input: GiftRegistryInput!) {
  createGiftRegistry(profileId: $id, input: $input, touchpoint: WEB) {
    giftRegistry { code } userErrors { field code message }
  }
}"""
REGISTRY = "query($c: String!) { giftRegistry(code: $c) { items { sku bought remaining } } }"
IDENTIFY_WEB = """mutation($input: IdentifyInput!) { identify(input: $input) { profile { id } } }"""
CREATE_HANDOFF = """
mutation($id: ID!, $items: [ListItemInput!]!) {
  createHandoff(profileId: $id, kind: CART, items: $items, touchpoint: WEB) {
    handoff { code } userErrors { field code message }
  }
}"""
MESSAGES = "query($id: ID!) { profile(id: $id) { messages(first: 5) { medium body } } }"
EVENTS = """query($id: ID) { profile(id: $id) { recentEvents(first: 20) { type touchpoint
  productSku } } }"""


async def _skus(hub: Any) -> list[str]:
    return [p["sku"] for p in (await gql(hub, SKUS, key=hub.admin_key))["products"]]


async def test_a_guest_finds_a_registry_by_name_and_buys_from_it(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    owner = await make_shopper(hub, "Anna")
    a, b, _ = await _skus(hub)
    made = await gql(
        hub,
        CREATE_REGISTRY,
        {
            "id": owner.profile_id,
            "input": {
                "title": "Anna & Tom's wedding",
                "occasion": "wedding",
                "eventDate": (date.today() + timedelta(days=30)).isoformat(),
                "items": [{"sku": a, "quantity": 2}, {"sku": b, "quantity": 1}],
            },
        },
        key=hub.admin_key,
    )
    code = made["createGiftRegistry"]["giftRegistry"]["code"]

    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("registry-start").click()
    await page.get_by_test_id("registry-search-input").wait_for()
    await shoot(page, "registry")
    # By name: guests know the first names (and the title) rather than a surname.
    await page.get_by_test_id("registry-search-input").fill("Anna & Tom")
    await page.get_by_test_id("registry-search-submit").click()
    match = page.get_by_test_id("registry-match").filter(has_text="Anna & Tom's wedding")
    await expect(match.first).to_be_visible()
    # By code, typed loosely, straight to the registry.
    await page.get_by_test_id("registry-search-input").fill(code.lower().replace("-", " "))
    await page.get_by_test_id("registry-search-submit").click()
    await expect(page.get_by_test_id("registry-title")).to_have_text("Anna & Tom's wedding")
    await expect(page.get_by_test_id("registry-owner")).to_contain_text("Anna's wedding")
    assert "Kiosktest" not in await page.inner_text("main"), "a guest sees the first name only"
    row = page.locator(f'[data-testid="registry-item"][data-sku="{a}"]')
    await expect(row.get_by_test_id("registry-remaining")).to_have_text("2")
    await shoot(page, "registry-view")

    await row.get_by_test_id("registry-buy").click()
    await expect(page.get_by_test_id("registry-bought-note")).to_be_visible()
    await expect(row.get_by_test_id("registry-remaining")).to_have_text("1")
    items = (await gql(hub, REGISTRY, {"c": code}, key=hub.admin_key))["giftRegistry"]["items"]
    assert {i["sku"]: i["bought"] for i in items} == {a: 1, b: 0}

    last = page.locator(f'[data-testid="registry-item"][data-sku="{b}"]')
    await last.get_by_test_id("registry-buy").click()
    await expect(last.get_by_test_id("registry-remaining")).to_have_text("0")
    await expect(last.get_by_test_id("registry-buy")).to_have_count(0)

    await page.get_by_test_id("basket-link").click()
    await expect(page.get_by_test_id("basket-item")).to_have_count(2)
    # An anonymous guest has no contact on file: nothing can be sent.
    await expect(page.get_by_test_id("send-list-unavailable")).to_be_visible()
    await expect(page.get_by_test_id("send-list-email")).to_have_count(0)


async def test_a_web_cart_continues_here_and_the_list_goes_to_my_email(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Maya")
    a, b, _ = await _skus(hub)
    # The web site names its customer (so its key reaches them), then hands the cart on.
    await gql(
        hub,
        IDENTIFY_WEB,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": shopper.email}],
                "touchpoint": "WEB",
            }
        },
        key=hub.web_key,
    )
    made = await gql(
        hub,
        CREATE_HANDOFF,
        {"id": shopper.profile_id, "items": [{"sku": a, "quantity": 2}, {"sku": b}]},
        key=hub.web_key,
    )
    code = made["createHandoff"]["handoff"]["code"]

    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("continue-link").click()
    await page.get_by_test_id("handoff-code-input").wait_for()
    await shoot(page, "continue")
    await page.get_by_test_id("handoff-code-input").fill("ZZZ-ZZZ")
    await page.get_by_test_id("handoff-code-submit").click()
    await expect(page.get_by_test_id("handoff-error")).to_be_visible()

    await page.get_by_test_id("handoff-code-input").fill(code.lower())
    await page.get_by_test_id("handoff-code-submit").click()
    await expect(page.get_by_test_id("handoff-welcome")).to_contain_text("Welcome, Maya")
    await expect(page.get_by_test_id("basket-item")).to_have_count(2)
    await expect(page.locator(f'[data-testid="basket-item"][data-sku="{a}"]')).to_contain_text(
        "× 2"
    )
    await shoot(page, "basket")

    await page.get_by_test_id("send-list-email").click()
    result = page.get_by_test_id("send-list-result")
    await expect(result).to_contain_text("Sent to m***@example.com")
    await expect(page.get_by_test_id("send-list-sms")).to_contain_text("*** *** ")
    await shoot(page, "basket-sent")
    sent = (await gql(hub, MESSAGES, {"id": shopper.profile_id}, key=hub.admin_key))["profile"]
    assert sent["messages"][0]["medium"] == "EMAIL" and a in sent["messages"][0]["body"]

    # What this visit looks at from now on is the shopper's own.
    await page.goto(f"{kiosk.url}/p/{b}")
    events = (await gql(hub, EVENTS, {"id": shopper.profile_id}, key=hub.admin_key))["profile"]
    assert any(
        e["type"] == "VIEW" and e["touchpoint"] == "KIOSK" and e["productSku"] == b
        for e in events["recentEvents"]
    )

    # The code works once; "I'm done" leaves nothing behind.
    await page.get_by_test_id("start-over").click()
    await page.goto(kiosk.url + "/continue")
    await page.get_by_test_id("handoff-code-input").fill(code)
    await page.get_by_test_id("handoff-code-submit").click()
    await expect(page.get_by_test_id("handoff-error")).to_contain_text("used already")
    await page.goto(kiosk.url + "/basket")
    await expect(page.get_by_test_id("identify-input")).to_be_visible()


async def test_a_card_shopper_sends_the_basket_by_text(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Tess")
    (a, _, _) = await _skus(hub)
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(f"{kiosk.url}/p/{a}")
    await page.get_by_test_id("add-to-basket").click()
    await expect(page.locator("#basket-note")).to_contain_text("Added")
    await page.get_by_test_id("basket-link").click()
    await expect(page.get_by_test_id("basket-item")).to_have_count(1)
    await page.get_by_test_id("send-list-sms").click()
    await expect(page.get_by_test_id("send-list-result")).to_contain_text(
        "Sent to *** *** " + shopper.phone[-4:]
    )
    sent = (await gql(hub, MESSAGES, {"id": shopper.profile_id}, key=hub.admin_key))["profile"]
    assert sent["messages"][0]["medium"] == "SMS"
