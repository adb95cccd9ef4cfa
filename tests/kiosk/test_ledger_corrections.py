"""Correct or remove items in the ledger: forget a learned interest, remove an identifier
(the full value is typed by the shopper or already known to the visit, never sent to the
browser), and edit the name; each change is checked through the hub's API."""

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

PREFERENCES = "query($id: ID) { profile(id: $id) { preferences { key value source } } }"
IDENTIFIERS = "query($id: ID) { profile(id: $id) { identifiers { kind value } } }"
NAME = "query($id: ID) { profile(id: $id) { firstName lastName traits } }"
BY_CARD = "query($i: IdentifierInput) { profile(identifier: $i) { id } }"


async def _learned(hub: Any, profile_id: str) -> set[tuple[str, str]]:
    data = await gql(hub, PREFERENCES, {"id": profile_id}, key=hub.admin_key)
    return {
        (p["key"], p["value"])
        for p in data["profile"]["preferences"]
        if p.get("source") == "IMPLICIT"
    }


async def _kinds(hub: Any, profile_id: str) -> list[str]:
    data = await gql(hub, IDENTIFIERS, {"id": profile_id}, key=hub.admin_key)
    return sorted(i["kind"] for i in data["profile"]["identifiers"])


async def test_forget_a_learned_interest(page: Page, kiosk: KioskServer, hub: Any) -> None:
    shopper = await make_shopper(hub, "Ines")
    sku = (await gql(hub, "query { products(first: 1) { sku } }", key=hub.admin_key))["products"][
        0
    ]["sku"]
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(f"{kiosk.url}/p/{sku}")
    assert ("product", sku) in await _learned(hub, shopper.profile_id)

    await open_ledger(page, kiosk, hub, shopper, signed_in=True)
    row = page.locator(f"[data-testid=ledger-interest][data-key=product][data-value='{sku}']")
    await expect(row).to_have_count(1)
    # "Not for me" is still offered next to it.
    await expect(row.get_by_test_id("dislike-interest")).to_be_visible()
    await row.scroll_into_view_if_needed()
    await shoot(page, "ledger-interests")
    await row.get_by_test_id("forget-interest").click()
    await expect(page.get_by_test_id("ledger")).to_be_visible()
    await expect(row).to_have_count(0)
    assert ("product", sku) not in await _learned(hub, shopper.profile_id)
    # Forgotten, not turned into a stated dislike.
    prefs = await gql(hub, PREFERENCES, {"id": shopper.profile_id}, key=hub.admin_key)
    assert not [p for p in prefs["profile"]["preferences"] if p["value"] == sku]

    # The hub's userError is shown on the page (here: forgetting it a second time).
    response = await page.request.post(
        kiosk.url + "/me/interest/forget", form={"key": "product", "value": sku}
    )
    assert response.ok
    text = await response.text()
    assert "Nothing like that was learned" in text


async def test_edit_name_shows_the_hubs_errors_next_to_the_field(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Olu")
    await open_ledger(page, kiosk, hub, shopper)
    await page.get_by_test_id("edit-name").click()
    await expect(page.get_by_test_id("name-first")).to_have_value("Olu")
    await page.get_by_test_id("name-title").fill("Professor Emeritus Sir")  # over 20 letters
    await page.get_by_test_id("name-first").fill("Olusegun")
    await page.get_by_test_id("name-save").click()
    error = page.get_by_test_id("name-error-title")
    await expect(error).to_contain_text("20")
    await expect(page.get_by_test_id("name-title")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_test_id("name-first")).to_have_value("Olusegun")  # kept
    await shoot(page, "ledger-edit-name")
    data = await gql(hub, NAME, {"id": shopper.profile_id}, key=hub.admin_key)
    assert data["profile"]["firstName"] == "Olu"  # nothing saved from a refused form

    await page.get_by_test_id("name-title").fill("Dr")
    await page.get_by_test_id("name-last").fill("Adeyemi")
    await page.get_by_test_id("name-save").click()
    await expect(page.get_by_test_id("name-shown")).to_have_text("Dr Olusegun A.")
    await expect(page.get_by_test_id("name-first")).to_have_count(0)
    data = await gql(hub, NAME, {"id": shopper.profile_id}, key=hub.admin_key)
    assert data["profile"]["firstName"] == "Olusegun"
    assert data["profile"]["lastName"] == "Adeyemi"
    assert data["profile"]["traits"]["title"] == "Dr"
    await page.goto(kiosk.url + "/home")
    await expect(page.get_by_test_id("greeting")).to_contain_text("Olusegun")


async def test_remove_identifiers_safely(page: Page, kiosk: KioskServer, hub: Any) -> None:
    shopper = await make_shopper(hub, "Pia")
    await open_ledger(page, kiosk, hub, shopper)
    await shoot(page, "ledger-corrections")
    assert await _kinds(hub, shopper.profile_id) == ["EMAIL", "LOYALTY_ID", "PHONE"]

    # An email the kiosk only knows masked: the shopper types it in full to confirm.
    email = page.locator("[data-testid=ledger-identifier][data-kind=EMAIL]")
    await email.get_by_test_id("remove-identifier").click()
    await page.get_by_test_id("identifier-confirm").fill("someone.else@example.org")
    await page.get_by_test_id("remove-identifier-confirm").click()
    await expect(page.get_by_test_id("identifier-error")).to_contain_text("does not match")
    await expect(page.get_by_test_id("identifier-confirm")).to_have_value("")  # not echoed
    assert_no_contact_data(await page.inner_text("body"))
    await shoot(page, "ledger-remove-identifier")
    assert await _kinds(hub, shopper.profile_id) == ["EMAIL", "LOYALTY_ID", "PHONE"]

    await page.get_by_test_id("identifier-confirm").fill(shopper.email.upper())
    await page.get_by_test_id("remove-identifier-confirm").click()
    await expect(email).to_have_count(0)
    await expect(page.get_by_test_id("remove-identifier-form")).to_have_count(0)
    assert await _kinds(hub, shopper.profile_id) == ["LOYALTY_ID", "PHONE"]

    # The card this visit signed in with: the kiosk knows it, so no typing; then it says so.
    card = page.locator("[data-testid=ledger-identifier][data-kind=LOYALTY_ID]")
    await expect(card).to_contain_text("You signed in with this")
    await card.get_by_test_id("remove-identifier").click()
    await expect(page.get_by_test_id("identifier-confirm")).to_have_count(0)
    await page.get_by_test_id("remove-identifier-confirm").click()
    await expect(page.get_by_test_id("card-unlinked")).to_contain_text("no longer linked")
    await expect(card).to_have_count(0)
    assert await _kinds(hub, shopper.profile_id) == ["PHONE"]
    assert_no_contact_data(await page.inner_text("body"))
    await shoot(page, "ledger-card-unlinked")

    # What the visit does from now on does not link the card again, to anyone.
    sku = (await gql(hub, "query { products(first: 1) { sku } }", key=hub.admin_key))["products"][
        0
    ]["sku"]
    await page.goto(f"{kiosk.url}/p/{sku}")
    await expect(page.get_by_test_id("visit-unlinked")).to_be_visible()
    card_id = {"kind": "LOYALTY_ID", "value": shopper.loyalty_id}
    found = await gql(hub, BY_CARD, {"i": card_id}, key=hub.admin_key)
    assert found["profile"] is None
    assert await _kinds(hub, shopper.profile_id) == ["PHONE"]
