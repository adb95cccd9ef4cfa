"""A campaign's evaluation end to end, on a real hub: purchases tracked by treated and control
recipients inside (and outside) the campaign window, a code redeemed, and the figures, lifts and
verdict the admin query gives."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import Any

import pytest

from hub.campaigns.service import in_control
from tests.conftest import HubHandle, hub_command, unique
from tests.hub.test_campaigns_e2e import (
    CONTROL_PERCENT,
    EXPORT,
    REDEEM,
    RUN,
    mailable,
    marked_segment,
    new_campaign,
    ok,
    recipients,
)
from tests.hub.test_identity_e2e import identify, some_skus, track

PEOPLE = 20
BALANCED = 8  # at least this many people in each group
GROUP = "recipients reached responded converted conversionRate revenue revenuePerRecipient"
LIFT = "estimate low high significant"
EVALUATION = """query($id: ID!) { campaignEvaluation(campaignId: $id) {
  campaign { id responded } treated { %s } control { %s }
  conversionDifference { %s } conversionRatio { %s } revenuePerRecipientDifference { %s }
  verdict } }""" % (GROUP, GROUP, LIFT, LIFT, LIFT)


def bought(message_id: str, loyalty: str, sku: str, quantity: int, price: float, at: str) -> Any:
    return {
        "messageId": message_id,
        "identifier": {"kind": "LOYALTY_ID", "value": loyalty},
        "type": "PURCHASE",
        "touchpoint": "WEB",
        "productSku": sku,
        "quantity": quantity,
        "price": price,
        "occurredAt": at,
    }


@pytest.fixture(scope="module")
def evaluated(hub: HubHandle) -> dict[str, Any]:
    """20 consenting customers, a 50 % control campaign over them (window 2026), run and
    exported; purchases by two treated and one control recipient inside the window, one by
    another control recipient before it, and one by a treated recipient merged since the run
    into an older profile; one treated code redeemed at the kiosk."""
    marker, segment = marked_segment(hub, "Evaluation")
    # An older customer, not in the segment, who bought in the window: one recipient turns
    # out to be them after the run (merged into this older profile, which survives).
    elder_email = f"{unique('elder')}@example.com"
    elder = identify(hub, hub.web_key, "WEB", ("EMAIL", elder_email))["profile"]
    sku = some_skus(hub, 1)[0]
    loyalty: dict[str, str] = {}
    for i in range(PEOPLE):
        profile, card = mailable(hub, marker, f"Buyer{chr(ord('a') + i)}")
        loyalty[profile["id"]] = card
    # The split is drawn per campaign (campaigns.service.in_control): take a campaign whose
    # draw is near half and half, as the story needs (an unlucky 4 / 16 split makes 3 buyers
    # of 4 against 1 of 16 a real lift, and the verdict rightly says so).
    for _ in range(50):
        campaign = new_campaign(hub, segment["id"])
        held = sum(in_control(int(campaign["id"]), pid, CONTROL_PERCENT) for pid in loyalty)
        if BALANCED <= held <= PEOPLE - BALANCED:
            break
    ok(hub.gql(RUN, {"id": campaign["id"]}), "runCampaign")
    exported = ok(hub.gql(EXPORT, {"id": campaign["id"], "format": "JSON"}), "exportCampaign")
    treated = recipients(hub, campaign["id"], control=False)
    control = recipients(hub, campaign["id"], control=True)
    assert len(treated) >= 4 and len(control) >= 2, "both groups big enough for the story"
    assert exported["count"] == len(treated)
    card = {r["profileId"]: loyalty[r["profileId"]] for r in treated + control}
    t0, t1, t2, t3 = (card[r["profileId"]] for r in treated[:4])
    c0, c1 = (card[r["profileId"]] for r in control[:2])
    tag = unique("ev")
    inside, before = "2026-06-01T12:00:00Z", "2025-06-01T12:00:00Z"
    done = track(
        hub,
        hub.web_key,
        [
            bought(f"{tag}-1", t0, sku, 2, 10.0, inside),  # treated: 20.00
            bought(f"{tag}-2", t0, sku, 1, 5.5, "2026-07-01T09:00:00Z"),  # + 5.50, same buyer
            bought(f"{tag}-3", t1, sku, 1, 12.0, inside),  # treated: 12.00
            bought(f"{tag}-4", c0, sku, 3, 4.0, inside),  # control: 12.00
            bought(f"{tag}-5", c1, sku, 1, 99.0, before),  # before the window: not counted
        ],
    )
    assert done["accepted"] == 5, done
    merged = identify(hub, hub.web_key, "WEB", ("LOYALTY_ID", t3), ("EMAIL", elder_email))
    assert merged["profile"]["id"] == elder["id"], "the older profile survives the merge"
    elder_bought = bought(f"{tag}-6", t3, sku, 1, 8.0, inside)  # treated, now on the survivor
    assert track(hub, hub.web_key, [elder_bought])["accepted"] == 1
    code = next(r["responseCode"] for r in treated if card[r["profileId"]] == t2)
    ok(hub.gql(REDEEM, {"code": code, "tp": "KIOSK"}, key=hub.kiosk_key), "redeemResponseCode")
    return {"campaign": campaign, "treated": len(treated), "control": len(control)}


def test_the_evaluation_counts_responders_converters_and_revenue_per_group(
    hub: HubHandle, evaluated: dict[str, Any]
) -> None:
    body = hub.gql(EVALUATION, {"id": evaluated["campaign"]["id"]})
    assert "errors" not in body, body
    found = body["data"]["campaignEvaluation"]
    n_t, n_c = evaluated["treated"], evaluated["control"]
    assert found["campaign"] == {"id": evaluated["campaign"]["id"], "responded": 1}
    assert found["treated"] == {
        "recipients": n_t,
        "reached": n_t,
        "responded": 1,
        "converted": 3,  # the merged recipient's purchase, on the survivor, counts
        "conversionRate": pytest.approx(3 / n_t),
        "revenue": 45.5,
        "revenuePerRecipient": pytest.approx(45.5 / n_t),
    }
    assert found["control"] == {
        "recipients": n_c,
        "reached": 0,  # the control group is sent nothing
        "responded": 0,
        "converted": 1,  # the purchase before the window does not count
        "conversionRate": pytest.approx(1 / n_c),
        "revenue": 12.0,
        "revenuePerRecipient": pytest.approx(12.0 / n_c),
    }

    difference = found["conversionDifference"]
    assert math.isclose(difference["estimate"], 3 / n_t - 1 / n_c)
    ratio = found["conversionRatio"]
    assert math.isclose(ratio["estimate"], (3 / n_t) / (1 / n_c))
    revenue = found["revenuePerRecipientDifference"]
    assert math.isclose(revenue["estimate"], 45.5 / n_t - 12.0 / n_c)
    for lift, null in ((difference, 0.0), (ratio, 1.0), (revenue, 0.0)):
        assert lift["low"] <= lift["estimate"] <= lift["high"], lift
        assert lift["significant"] is not (lift["low"] <= null <= lift["high"]), lift
    # Four buyers in twenty: far too few to tell the groups apart, and the verdict says so.
    assert difference["significant"] is False
    assert found["verdict"].startswith("no significant lift: the interval covers zero"), found
    # The same figures give the same intervals (a fixed bootstrap seed).
    again = hub.gql(EVALUATION, {"id": evaluated["campaign"]["id"]})["data"]
    assert again["campaignEvaluation"] == found


def test_the_evaluation_is_for_operators_and_refuses_an_unknown_campaign(
    hub: HubHandle, evaluated: dict[str, Any]
) -> None:
    for key in (hub.web_key, hub.kiosk_key, hub.agent_token()):
        body = hub.post(EVALUATION, {"id": evaluated["campaign"]["id"]}, key=key).json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    for campaign_id in ("", "999999", "not-a-number"):
        body = hub.gql(EVALUATION, {"id": campaign_id})
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body


def test_a_campaign_not_yet_run_has_nothing_to_compare(
    hub: HubHandle, evaluated: dict[str, Any]
) -> None:
    segment_id = hub.gql(
        "query($id: ID!) { campaign(id: $id) { segmentId } }", {"id": evaluated["campaign"]["id"]}
    )["data"]["campaign"]["segmentId"]
    draft = new_campaign(hub, segment_id)
    found = hub.gql(EVALUATION, {"id": draft["id"]})["data"]["campaignEvaluation"]
    assert found["treated"]["recipients"] == found["control"]["recipients"] == 0
    assert found["conversionDifference"] is None and found["revenuePerRecipientDifference"] is None
    assert found["verdict"] == "nothing to compare: no control group"


def test_the_report_has_a_section_per_run_campaign(
    hub: HubHandle, evaluated: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    hub_command(hub.database_url, "report", "--days", "30", "--output", str(out))
    page = out.read_text(encoding="utf-8")
    sections = re.findall(
        r'<section class="card"[^>]*data-testid="campaign">(.*?)</section>', page, re.S
    )
    ours = [s for s in sections if html.escape(evaluated["campaign"]["name"]) in s]
    assert len(ours) == 1, "one section for the campaign"
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td>([^<]*)</td>", ours[0]))
    assert rows["recipients"] == str(evaluated["treated"])
    assert rows["converted (bought in the window)"] == "3"
    assert rows["revenue"] == "£45.50"
    assert "Verdict: no significant lift: the interval covers zero" in ours[0]
    assert ours[0].count("<svg") == 2
