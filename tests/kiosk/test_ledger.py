"""'What we know about you': nothing before the one-time code; everything with it; erase."""

from __future__ import annotations

import re
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

ALIVE = "query($id: ID) { profile(id: $id) { id } }"
CONSENTS = "query($id: ID) { profile(id: $id) { consents { purpose granted isDefault } } }"


async def test_ledger_shows_nothing_without_the_code(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Mo")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.get_by_test_id("ledger-link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("What we know about you")
    await expect(page.get_by_test_id("ledger")).to_have_count(0)
    body = await page.inner_text("body")
    assert shopper.loyalty_id[-4:] not in body
    assert "example.com" not in body
    await shoot(page, "ledger-gate")

    await page.get_by_test_id("code-request").click()
    await expect(page.get_by_role("status")).to_contain_text("sent you a code")
    assert_no_contact_data(await page.inner_text("body"))
    await page.get_by_test_id("code-input").fill("000000")
    await page.get_by_test_id("code-submit").click()
    await expect(page.locator(".error")).to_be_visible()
    await expect(page.get_by_test_id("ledger")).to_have_count(0)
    await shoot(page, "ledger-code")

    # Ledger actions without a redeemed code change nothing.
    for path, form in (
        ("/me/erase", {"confirm": "yes"}),
        ("/me/consent", {"purpose": "MARKETING_EMAIL", "granted": "true"}),
    ):
        response = await page.request.post(kiosk.url + path, form=form)
        assert response.ok
        assert "Erase everything" not in await response.text()
    alive = await gql(hub, ALIVE, {"id": shopper.profile_id}, key=hub.admin_key)
    assert alive["profile"] is not None
    consents = await gql(hub, CONSENTS, {"id": shopper.profile_id}, key=hub.admin_key)
    email = [c for c in consents["profile"]["consents"] if c["purpose"] == "MARKETING_EMAIL"]
    assert email[0]["isDefault"]


async def test_ledger_with_the_code_shows_everything_lets_consent_go_and_erases(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Noor")
    await gql(
        hub,
        "mutation($id: ID!) { setConsent(profileId: $id, purpose: MARKETING_EMAIL,"
        " granted: true, touchpoint: WEB) { userErrors { message } } }",
        {"id": shopper.profile_id},
        key=hub.admin_key,
    )
    await open_ledger(page, kiosk, hub, shopper)
    text = await page.inner_text("body")
    assert "Loyalty card" in text and "Email" in text and "Phone" in text
    assert "@example.com" in text and shopper.email not in text  # masked, not hidden
    assert shopper.phone[-4:] in text and shopper.phone.replace(" ", "") not in text
    assert_no_contact_data(text)
    await shoot(page, "ledger")

    consent = page.locator("[data-testid=ledger-consent][data-purpose=MARKETING_EMAIL]")
    await consent.get_by_role("button", name="Withdraw").click()
    await expect(consent).to_contain_text("No")
    consents = await gql(hub, CONSENTS, {"id": shopper.profile_id}, key=hub.admin_key)
    email = [c for c in consents["profile"]["consents"] if c["purpose"] == "MARKETING_EMAIL"]
    assert email[0]["granted"] is False

    await page.get_by_test_id("erase-start").click()
    await page.get_by_test_id("erase-confirm").click()
    await expect(page.get_by_test_id("erased")).to_be_visible()
    gone = await gql(hub, ALIVE, {"id": shopper.profile_id}, key=hub.admin_key)
    assert gone["profile"] is None
    assert not [c for c in await page.context.cookies() if c["name"] == "kiosk_visit"]


async def test_picks_the_kiosk_showed_do_not_crowd_out_what_the_shopper_did(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    import uuid

    shopper = await make_shopper(hub, "Ines")
    products = await gql(hub, "{ products(first: 3) { sku name } }", key=hub.admin_key)
    skus = [p["sku"] for p in products["products"]]
    who = {"kind": "LOYALTY_ID", "value": shopper.loyalty_id}

    def event(kind: str, sku: str) -> dict[str, Any]:
        return {
            "messageId": uuid.uuid4().hex,
            "identifier": who,
            "type": kind,
            "touchpoint": "KIOSK",
            "productSku": sku,
        }

    views = [event("VIEW", sku) for sku in skus]
    shown = [event("RECOMMENDATION_SHOWN", skus[i % 3]) for i in range(30)]
    tracked = await gql(
        hub,
        "mutation($e: [EventInput!]!) { track(events: $e) { accepted } }",
        {"e": views + shown},
        key=hub.admin_key,
    )
    assert tracked["track"]["accepted"] == 33
    await open_ledger(page, kiosk, hub, shopper)
    activity = page.locator("[aria-labelledby=l-activity]")
    await expect(activity).to_contain_text("picks we showed you here.")
    counted = re.search(r"Also: (\d+) picks", await activity.inner_text())
    assert counted and int(counted.group(1)) >= 30  # ours, and the ones this visit showed
    items = activity.locator("li")
    await expect(items).to_have_count(3)
    assert all("View" in t for t in await items.all_inner_texts())


MERGE = """
mutation($input: IdentifyInput!) {
  identify(input: $input) { profile { id } merged userErrors { message } }
}
"""


async def _merge_away(hub: Any, survivor: Any, merged: Any) -> None:
    """Elsewhere (an agent, the web), `merged` is found to be `survivor` and joins it."""
    cards = [{"kind": "LOYALTY_ID", "value": s.loyalty_id} for s in (survivor, merged)]
    data = await gql(
        hub, MERGE, {"input": {"identifiers": cards, "touchpoint": "STORE"}}, key=hub.admin_key
    )
    assert data["identify"]["merged"], data
    assert data["identify"]["profile"]["id"] == survivor.profile_id


async def _assert_signed_out(page: Page, *people: Any) -> None:
    """A plain page: the sign-in ended, identify again; nothing personal, no visit left."""
    await expect(page.get_by_test_id("signed-out")).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("sign-in has ended")
    text = await page.inner_text("body")
    assert_no_contact_data(text)
    assert "@" not in text and "taking a short break" not in text
    for person in people:
        assert person.first_name not in text and person.loyalty_id[-4:] not in text
    assert not [c for c in await page.context.cookies() if c["name"] == "kiosk_visit"]
    # The visit is over: the ledger is the gate of no one, the attract screen is back.
    await page.goto(page.url.split("/me")[0] + "/me")
    await expect(page.get_by_test_id("identify-input")).to_be_visible()


async def test_a_ledger_whose_profile_was_merged_away_ends_the_sign_in_plainly(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    survivor = await make_shopper(hub, "Rhea")
    shopper = await make_shopper(hub, "Sol")
    await open_ledger(page, kiosk, hub, shopper)
    await _merge_away(hub, survivor, shopper)
    # The hub answers FORBIDDEN to the token of a profile merged away.
    await page.reload()
    await expect(page.get_by_test_id("signed-out")).to_be_visible()
    await shoot(page, "ledger-signed-out")
    await _assert_signed_out(page, shopper, survivor)


async def test_a_ledger_change_after_a_merge_elsewhere_ends_the_sign_in_plainly(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    survivor = await make_shopper(hub, "Tam")
    shopper = await make_shopper(hub, "Uma")
    await open_ledger(page, kiosk, hub, shopper)
    await _merge_away(hub, survivor, shopper)
    # A change sent with the token: its userError is FORBIDDEN.
    consent = page.locator("[data-testid=ledger-consent][data-purpose=MARKETING_EMAIL]")
    await consent.get_by_role("button").first.click()
    await _assert_signed_out(page, shopper, survivor)


async def test_erasing_after_a_merge_elsewhere_ends_the_sign_in_and_erases_no_one(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    survivor = await make_shopper(hub, "Vic")
    shopper = await make_shopper(hub, "Wen")
    await open_ledger(page, kiosk, hub, shopper)
    await page.get_by_test_id("erase-start").click()
    await _merge_away(hub, survivor, shopper)
    await page.get_by_test_id("erase-confirm").click()
    await _assert_signed_out(page, shopper, survivor)
    alive = await gql(hub, ALIVE, {"id": survivor.profile_id}, key=hub.admin_key)
    assert alive["profile"] is not None
