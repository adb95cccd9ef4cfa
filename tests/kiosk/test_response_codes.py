"""A code from one of our mailings, typed at the kiosk: recorded on the recipient's profile at
the kiosk, thanked by first name only; a code is not a sign-in."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.kiosk.support import KioskServer, gql, make_shopper, shoot

pytestmark = pytest.mark.browser

SET_TRAIT = """mutation($input: IdentifyInput!) { identify(input: $input) { profile { id } } }"""
CONSENT = """mutation($id: ID!) { setConsent(profileId: $id, purpose: MARKETING_EMAIL,
  granted: true, touchpoint: WEB) { userErrors { code } } }"""
SEGMENT = """mutation($input: SegmentInput!) { saveSegment(input: $input) { segment { id } } }"""
CREATE = """mutation($input: CampaignInput!) { createCampaign(input: $input) {
  campaign { id } userErrors { field code message } } }"""
RUN = """mutation($id: ID!) { runCampaign(campaignId: $id) { userErrors { code } } }"""
RECIPIENTS = """query($id: ID!) { campaignRecipients(campaignId: $id) {
  profileId responseCode responseTouchpoint } }"""
EVENTS = """query($id: ID) { profile(id: $id) {
  recentEvents(first: 5, types: [CAMPAIGN_RESPONSE]) { touchpoint properties } } }"""


async def _mailing(hub: Any, first_names: list[str]) -> dict[str, tuple[Any, str]]:
    """A run email campaign (no control group) to new shoppers: first name → (shopper, code)."""
    marker = f"Mail{uuid.uuid4().hex[:8]}"
    shoppers = [await make_shopper(hub, name) for name in first_names]
    for shopper in shoppers:
        await gql(
            hub,
            SET_TRAIT,
            {
                "input": {
                    "identifiers": [{"kind": "LOYALTY_ID", "value": shopper.loyalty_id}],
                    "traits": {"preferredStore": marker},
                    "touchpoint": "STORE",
                }
            },
            key=hub.admin_key,
        )
        await gql(hub, CONSENT, {"id": shopper.profile_id}, key=hub.admin_key)
    rule = {"trait": {"name": "preferredStore", "equals": marker}}
    segment = await gql(hub, SEGMENT, {"input": {"name": marker, "rule": rule}}, key=hub.admin_key)
    made = await gql(
        hub,
        CREATE,
        {
            "input": {
                "name": f"Kiosk mailing {marker}",
                "segmentId": segment["saveSegment"]["segment"]["id"],
                "purpose": "MARKETING_EMAIL",
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "2027-01-01T00:00:00Z",
                "controlPercent": 0,
            }
        },
        key=hub.admin_key,
    )
    campaign_id = made["createCampaign"]["campaign"]["id"]
    await gql(hub, RUN, {"id": campaign_id}, key=hub.admin_key)
    found = await gql(hub, RECIPIENTS, {"id": campaign_id}, key=hub.admin_key)
    code_of = {r["profileId"]: r["responseCode"] for r in found["campaignRecipients"]}
    return {s.first_name: (s, code_of[s.profile_id]) for s in shoppers}


async def test_a_shopper_types_the_code_from_a_letter_and_is_thanked_by_first_name(
    page: Page, kiosk: KioskServer, hub: Any
) -> None:
    mailed = await _mailing(hub, ["Nora", "Idris"])
    nora, code = mailed["Nora"]

    await page.goto(kiosk.url + "/")
    await page.get_by_test_id("response-code-link").click()
    typed = f"{code[:4].lower()}-{code[4:]}"  # as read off the letter
    await page.get_by_test_id("response-code-input").fill(typed)
    await page.get_by_test_id("response-code-submit").click()
    result = page.get_by_test_id("response-code-result")
    await expect(result).to_contain_text("Thank you, Nora! Your reply to our mailing is noted.")
    await shoot(page, "response-code")
    body = await page.inner_text("body")
    assert "Kiosktest" not in body and nora.loyalty_id not in body, "the first name, no more"
    await expect(page.get_by_test_id("greeting")).to_have_count(0)  # not a sign-in

    events = await gql(hub, EVENTS, {"id": nora.profile_id}, key=hub.admin_key)
    assert [e["touchpoint"] for e in events["profile"]["recentEvents"]] == ["KIOSK"]
    assert events["profile"]["recentEvents"][0]["properties"]["responseCode"] == code

    # The same code again: thanked, nothing new recorded.
    await page.goto(kiosk.url + "/mailing-code")
    await page.get_by_test_id("response-code-input").fill(code)
    await page.get_by_test_id("response-code-submit").click()
    await expect(page.get_by_test_id("response-code-result")).to_contain_text(
        "we already had your reply"
    )
    events = await gql(hub, EVENTS, {"id": nora.profile_id}, key=hub.admin_key)
    assert len(events["profile"]["recentEvents"]) == 1


async def test_an_unknown_or_empty_code_is_refused_in_plain_words(
    page: Page, kiosk: KioskServer
) -> None:
    await page.goto(kiosk.url + "/mailing-code")
    await page.get_by_test_id("response-code-submit").click()
    result = page.get_by_test_id("response-code-result")
    await expect(result).to_contain_text("Please type the code")
    await page.get_by_test_id("response-code-input").fill("ZZZZ-2222")
    await page.get_by_test_id("response-code-submit").click()
    await expect(result).to_contain_text("We don't recognise that code")
    await shoot(page, "response-code-unknown")
