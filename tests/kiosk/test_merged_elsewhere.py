"""A shopper whose profile is merged into another elsewhere while their visit is open: the
kiosk's pages follow the merge to the survivor (the hub's `profile(id:)` does), and the live
relay hears the survivor's changes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import KioskServer, gql, identify_at_kiosk, make_shopper
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
