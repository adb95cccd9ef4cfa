"""An agent's change on the phone shows on the kiosk at once, without a reload."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import KioskServer, gql, identify_at_kiosk, make_shopper, shoot

pytestmark = pytest.mark.browser

LOGIN = """
mutation($u: String!, $p: String!) {
  agentLogin(username: $u, password: $p) { token userErrors { message } }
}
"""
SET_PREFS = """
mutation($id: ID!, $prefs: [PreferenceInput!]!) {
  setPreferences(profileId: $id, touchpoint: CALL_CENTER, preferences: $prefs) {
    userErrors { field code message }
  }
}
"""
CATEGORIES = "query { categories { slug name } }"


async def test_agent_preference_appears_live(page: Page, kiosk: KioskServer, hub: Any) -> None:
    shopper = await make_shopper(hub, "Nia")
    category = (await gql(hub, CATEGORIES, key=hub.admin_key))["categories"][-1]
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.evaluate("window.__sameDocument = true")
    # The kiosk says when it follows the profile at the hub; the agent acts after that.
    await page.locator("body[data-live=on]").wait_for(state="attached")

    login = await gql(
        hub, LOGIN, {"u": hub.agent_username, "p": hub.agent_password}, key=hub.callcenter_key
    )
    token = login["agentLogin"]["token"]
    result = await gql(
        hub,
        SET_PREFS,
        {"id": shopper.profile_id, "prefs": [{"key": "category", "value": category["slug"]}]},
        key=token,
    )
    assert not result["setPreferences"]["userErrors"]

    panel = page.get_by_test_id("for-you")
    await expect(panel.get_by_test_id("your-likes")).to_contain_text(category["name"])
    await expect(page.locator(".live-note")).to_contain_text("customer team")
    assert await page.evaluate("window.__sameDocument === true")
    await shoot(page, "live-update")

    version = int(await panel.get_attribute("data-version") or 0)
    note = await gql(
        hub,
        'mutation($id: ID!) { addNote(profileId: $id, text: "Asked about gift wrap") {'
        " userErrors { message } } }",
        {"id": shopper.profile_id},
        key=token,
    )
    assert not note["addNote"]["userErrors"]
    await expect(page.locator(".live-note").last).to_contain_text("Your profile was updated")
    await expect(panel).not_to_have_attribute("data-version", str(version))
    assert "gift wrap" not in await page.inner_text("body")  # an agent's note stays internal
    assert await page.evaluate("window.__sameDocument === true")


async def test_a_profile_erased_elsewhere_resets_the_kiosk(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    shopper = await make_shopper(hub, "Quinn")
    await identify_at_kiosk(page, kiosk, shopper.loyalty_id)
    await page.locator("body[data-live=on]").wait_for(state="attached")
    erased = await gql(
        hub,
        "mutation($id: ID!) { eraseProfile(profileId: $id) { erased userErrors { message } } }",
        {"id": shopper.profile_id},
        key=hub.admin_key,
    )
    assert erased["eraseProfile"]["erased"]
    await expect(page.get_by_test_id("identify-input")).to_be_visible()
    assert "Quinn" not in await page.inner_text("body")
