"""A caller reads out the code on a mailing: the agent records it as their reply for the open
profile (key `m`); a code sent to someone else is refused next to the field."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from textual.widgets import Input

from clients.callcenter.dialogs.response_code import ResponseCodeDialog
from clients.callcenter.screens.profile import ProfileScreen
from clients.callcenter.widgets.live_badge import LiveBadge
from tests.callcenter.conftest import drama_number, gql, make_app, make_caller, save_svg, wait_for

pytestmark = pytest.mark.tui

CONSENT = """mutation($id: ID!) { setConsent(profileId: $id, purpose: MARKETING_EMAIL,
  granted: true, touchpoint: WEB) { userErrors { code } } }"""
TRAIT = """mutation($input: IdentifyInput!) { identify(input: $input) { profile { id } } }"""
SEGMENT = """mutation($input: SegmentInput!) { saveSegment(input: $input) { segment { id } } }"""
CREATE = """mutation($input: CampaignInput!) { createCampaign(input: $input) {
  campaign { id } userErrors { message } } }"""
RUN = """mutation($id: ID!) { runCampaign(campaignId: $id) { userErrors { code } } }"""
RECIPIENTS = """query($id: ID!) { campaignRecipients(campaignId: $id) {
  profileId responseCode responseTouchpoint } }"""
EVENTS = """query($id: ID) { profile(id: $id) {
  recentEvents(first: 5, types: [CAMPAIGN_RESPONSE]) { touchpoint } } }"""


async def _mailed(hub: Any, *first_names: str) -> list[tuple[str, str, str]]:
    """Callers on a run email campaign (no control group): (profile id, spoken phone, code)."""
    marker = f"Call{uuid.uuid4().hex[:8]}"
    callers = []
    for first in first_names:
        stored, spoken = drama_number()
        email = f"{first.lower()}.{marker.lower()}@example.com"
        profile_id = await make_caller(hub, first, "Mailed", phone=stored, email=email)
        await gql(
            hub,
            TRAIT,
            {
                "input": {
                    "identifiers": [{"kind": "EMAIL", "value": email}],
                    "traits": {"preferredStore": marker},
                    "touchpoint": "WEB",
                }
            },
        )
        await gql(hub, CONSENT, {"id": profile_id})
        callers.append((profile_id, spoken))
    rule = {"trait": {"name": "preferredStore", "equals": marker}}
    segment = (await gql(hub, SEGMENT, {"input": {"name": marker, "rule": rule}}))["saveSegment"]
    made = await gql(
        hub,
        CREATE,
        {
            "input": {
                "name": f"Phone mailing {marker}",
                "segmentId": segment["segment"]["id"],
                "purpose": "MARKETING_EMAIL",
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "2027-01-01T00:00:00Z",
                "controlPercent": 0,
            }
        },
    )
    campaign_id = made["createCampaign"]["campaign"]["id"]
    await gql(hub, RUN, {"id": campaign_id})
    found = (await gql(hub, RECIPIENTS, {"id": campaign_id}))["campaignRecipients"]
    code_of = {r["profileId"]: r["responseCode"] for r in found}
    return [(pid, spoken, code_of[pid]) for pid, spoken in callers]


async def test_an_agent_records_the_code_a_caller_reads_out(hub: Any) -> None:
    (greta, spoken, code), (hugo, _, other_code) = await _mailed(hub, "Greta", "Hugo")
    app = make_app(hub, caller=spoken)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="profile")
        screen = app.screen
        assert isinstance(screen, ProfileScreen) and screen.profile.id == greta
        await wait_for(
            pilot, lambda: any(b.state == "live" for b in screen.query(LiveBadge)), what="live"
        )

        # Hugo's code, read out by Greta: refused next to the field, nothing recorded.
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ResponseCodeDialog), what="dialog")
        dialog = app.screen
        await pilot.press(*other_code, "enter")
        error = dialog.query_one("#code-error")
        await wait_for(pilot, lambda: "another customer" in str(error.render()), what="refusal")
        await save_svg(pilot, "callcenter-response-code-refused")

        # Her own code, as she reads it out (lower case, with a dash): recorded at once.
        dialog.query_one("#code", Input).value = f"{code[:4].lower()}-{code[4:]}"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="dialog closed")
        await save_svg(pilot, "callcenter-response-code-recorded")

    mine = (await gql(hub, EVENTS, {"id": greta}))["profile"]["recentEvents"]
    assert [e["touchpoint"] for e in mine] == ["CALL_CENTER"]
    assert (await gql(hub, EVENTS, {"id": hugo}))["profile"]["recentEvents"] == []
