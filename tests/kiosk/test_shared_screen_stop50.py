"""A shared screen, audited as careless and hostile shoppers: what a form shows back after the
hub refuses it, what the browser's history holds after a visit ends, and what a crafted
request gets."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.hub.test_free_text_masking_e2e import Contact, insert_preference
from tests.kiosk.support import (
    IDENTIFY,
    KioskServer,
    assert_no_contact_data,
    gql,
    make_shopper,
    open_ledger,
    shoot,
)

pytestmark = pytest.mark.browser


async def _values(page: Page, *testids: str) -> str:
    return " ".join([await page.get_by_test_id(t).input_value() for t in testids])


async def test_a_name_form_refused_does_not_show_back_a_contact_typed_into_it(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    """A shopper types their email as the first name and their phone as the last name, and a
    title too long: the form comes back with the title's error, but the boxes do not hold the
    email and phone in full for the next person at the screen to read."""
    shopper = await make_shopper(hub, "Philippa")
    await open_ledger(page, kiosk, hub, shopper)
    await page.get_by_test_id("edit-name").click()
    await page.get_by_test_id("name-title").fill("Professor Emeritus Sir")  # over 20 letters
    await page.get_by_test_id("name-first").fill(shopper.email)
    await page.get_by_test_id("name-last").fill(shopper.phone)
    await page.get_by_test_id("name-save").click()
    await expect(page.get_by_test_id("name-error-title")).to_contain_text("20")
    typed = await _values(page, "name-title", "name-first", "name-last")
    assert shopper.email not in typed and shopper.phone not in typed, typed
    assert_no_contact_data(typed)
    assert_no_contact_data(await page.content())
    # The title the shopper typed is kept to correct; the boxes left empty say why.
    await expect(page.get_by_test_id("name-title")).to_have_value("Professor Emeritus Sir")
    await expect(page.get_by_test_id("name-error-firstName")).to_contain_text("not shown")
    await shoot(page, "ledger-name-contact-not-shown", focus="[data-testid=name-form]")


@pytest.mark.parametrize(
    "typo",
    ["{local}@@example.com", "{local}@ example.com", "{local} @example.com", "{local}@example,com"],
)
async def test_a_mistyped_email_is_not_shown_back_in_the_refusal(
    page: Page, kiosk: KioskServer, typo: str
) -> None:
    """The hub says why it refuses what was typed and quotes it; the kiosk shows that, but not
    the shopper's address in full when a slip of the finger kept it from looking like one."""
    local = "careless.shopper"
    typed = typo.format(local=local)
    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("identify-input").fill(typed)
    await page.get_by_test_id("identify-submit").click()
    error = page.locator("#identify-error")
    await expect(error).to_contain_text("email")
    assert local not in await page.inner_text("body"), await error.inner_text()
    assert local not in await page.content()
    await expect(page.get_by_test_id("identify-input")).to_have_value("")


PREFERENCES = "query($id: ID) { profile(id: $id) { preferences { key value source } } }"


async def test_a_told_preference_holding_a_contact_can_be_removed_from_the_ledger(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    """A stated preference stored before values were checked holds a phone number: the ledger
    shows it masked, and its Remove (which can only send what the screen holds, the masked
    value) forgets it at the hub, as it does any other."""
    shopper = await make_shopper(hub, "Leonie")
    contact = Contact()
    await insert_preference(
        hub.database_url, shopper.profile_id, "occasion", f"call me on {contact.phone}"
    )
    await open_ledger(page, kiosk, hub, shopper)
    row = page.get_by_test_id("ledger-preference")
    await expect(row).to_contain_text(contact.masked_phone)
    assert_no_contact_data(await page.content())
    await row.get_by_role("button", name="Remove").click()
    await expect(page.get_by_test_id("ledger-preference")).to_have_count(0)
    data = await gql(hub, PREFERENCES, {"id": shopper.profile_id}, key=hub.admin_key)
    assert data["profile"]["preferences"] == [], data


NAMES = "query($id: ID) { profile(id: $id) { firstName lastName } }"


async def test_saving_the_name_form_unchanged_keeps_a_name_the_screen_shows_masked(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    """A web site stored an email address as the first name: the ledger's name form shows it
    masked, as it must, and a shopper who saves it unchanged (the title was what they came to
    fix) must not have the masked text stored as their name."""
    shopper = await make_shopper(hub, "Odile")
    typed_as_name = f"odile.{shopper.loyalty_id.lower()}@example.org"
    told = await gql(
        hub,
        IDENTIFY,
        {
            "input": {
                "identifiers": [{"kind": "LOYALTY_ID", "value": shopper.loyalty_id}],
                "traits": {"firstName": typed_as_name},
                "touchpoint": "WEB",
            }
        },
        key=hub.admin_key,
    )
    assert not told["identify"]["userErrors"], told
    await open_ledger(page, kiosk, hub, shopper)
    await page.get_by_test_id("edit-name").click()
    shown = await page.get_by_test_id("name-first").input_value()
    assert "***" in shown and typed_as_name not in shown, shown
    await page.get_by_test_id("name-title").fill("Dr")
    await page.get_by_test_id("name-save").click()
    await expect(page.get_by_test_id("name-form")).to_have_count(0)
    names = (await gql(hub, NAMES, {"id": shopper.profile_id}, key=hub.admin_key))["profile"]
    assert names["firstName"] == typed_as_name, names  # the masked text is not a new name
    assert_no_contact_data(await page.content())
