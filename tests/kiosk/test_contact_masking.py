"""Contact details typed into a preference never show on the kiosk, however they got in."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.hub.test_free_text_masking_e2e import Contact, insert_preference
from tests.kiosk.support import (
    KioskServer,
    assert_no_contact_data,
    identify_at_kiosk,
    make_shopper,
)

pytestmark = pytest.mark.browser


async def test_a_stored_contact_in_a_preference_shows_masked(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Jen")
    contact = Contact()
    said = f"call me on {contact.phone} or write to {contact.email}"
    # Stored before values were checked (the hub refuses such a value now).
    await insert_preference(hub.database_url, shopper.profile_id, "occasion", said)
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.goto(kiosk.url + "/preferences")
    likes = page.get_by_test_id("your-likes")
    await expect(likes).to_contain_text(contact.masked_phone)
    text = await page.inner_text("body")
    assert contact.absent_from(text.lower()), text
    assert_no_contact_data(text)
