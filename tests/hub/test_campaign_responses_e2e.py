"""Response codes sent by a web site with `track`: a CAMPAIGN_RESPONSE event carrying
`properties.responseCode` lands on the recipient's profile at that touchpoint, attributed to
the campaign (whatever identifier the site named), counts once however often it comes (with
`redeemResponseCode` too), and feeds segment rules like any other event; a bad code refuses the
batch with a typed userError, an erased customer's is dropped as suppressed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import HubHandle, unique
from tests.hub.test_campaign_evaluation_e2e import EVALUATION
from tests.hub.test_campaigns_e2e import (
    CAMPAIGN,
    ERASE,
    EVENTS,
    REDEEM,
    RUN,
    SAVE_SEGMENT,
    mailable,
    marked_segment,
    new_campaign,
    ok,
    recipients,
)
from tests.hub.test_identity_e2e import some_skus

TRACK = """mutation($events: [EventInput!]!) { track(events: $events) {
  accepted duplicates suppressed userErrors { field code message } } }"""
# Enough that a 50 % split leaves four or more on each side but for one run in ~7,000 (12 left
# too few treated one run in ~14).
PEOPLE = 24


def response(code: str, visitor: str, **properties: Any) -> dict[str, Any]:
    return {
        "messageId": unique("resp"),
        "identifier": {"kind": "ANONYMOUS_ID", "value": visitor},
        "type": "CAMPAIGN_RESPONSE",
        "touchpoint": "WEB",
        "properties": {"responseCode": code, **properties},
    }


def sent(hub: HubHandle, events: list[dict[str, Any]]) -> dict[str, Any]:
    body = hub.gql(TRACK, {"events": events}, key=hub.web_key)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["track"]
    return payload


@pytest.fixture(scope="module")
def mailing(hub: HubHandle) -> dict[str, Any]:
    marker, segment = marked_segment(hub, "Response")
    for i in range(PEOPLE):
        mailable(hub, marker, f"Answer{chr(ord('a') + i)}")
    campaign = new_campaign(hub, segment["id"])
    ok(hub.gql(RUN, {"id": campaign["id"]}), "runCampaign")
    treated = recipients(hub, campaign["id"], control=False)
    control = recipients(hub, campaign["id"], control=True)
    assert len(treated) >= 4 and control, "both groups for the story"
    return {"campaign": campaign, "treated": treated, "control": control}


def test_a_code_tracked_by_the_web_site_lands_on_the_recipient_attributed_to_the_campaign(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    campaign, recipient = mailing["campaign"], mailing["treated"][0]
    visitor = unique("visitor")
    code = recipient["responseCode"]
    typed = f"{code[:4].lower()}-{code[4:]}"
    # A site may not attribute a response itself: its campaignId is replaced by the code's.
    done = sent(hub, [response(typed, visitor, page="/spring", campaignId="999")])
    assert done == {"accepted": 1, "duplicates": 0, "suppressed": 0, "userErrors": []}

    events = hub.gql(EVENTS, {"id": recipient["profileId"]})["data"]["profile"]["recentEvents"]
    assert [(e["type"], e["touchpoint"]) for e in events] == [("CAMPAIGN_RESPONSE", "WEB")]
    assert events[0]["properties"] == {
        "page": "/spring",
        "campaignId": campaign["id"],
        "responseCode": code,
    }
    # The code decided whose response it is; the visitor's id joined nobody.
    nobody = hub.gql(
        "query($v: String!) { profile(identifier: {kind: ANONYMOUS_ID, value: $v}) { id } }",
        {"v": visitor},
    )
    assert nobody["data"]["profile"] is None
    after = {r["profileId"]: r for r in recipients(hub, campaign["id"], control=False)}
    assert after[recipient["profileId"]]["respondedAt"]
    assert after[recipient["profileId"]]["responseTouchpoint"] == "WEB"
    assert hub.gql(CAMPAIGN, {"id": campaign["id"]})["data"]["campaign"]["responded"] == 1
    evaluation = hub.gql(EVALUATION, {"id": campaign["id"]})["data"]["campaignEvaluation"]
    assert evaluation["treated"]["responded"] == 1

    # However often it comes back, by track or redeem, it counts once.
    again = sent(hub, [response(code, unique("visitor"))])
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    redeemed = ok(
        hub.gql(REDEEM, {"code": code, "tp": "KIOSK"}, key=hub.kiosk_key), "redeemResponseCode"
    )
    assert redeemed["duplicate"] is True
    assert (
        len(hub.gql(EVENTS, {"id": recipient["profileId"]})["data"]["profile"]["recentEvents"]) == 1
    )


def test_a_tracked_response_feeds_segment_rules_like_any_event(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    recipient = mailing["treated"][1]
    segment = ok(
        hub.gql(
            SAVE_SEGMENT,
            {
                "input": {
                    "name": unique("Answered a mailing "),
                    "rule": {"event": {"type": "CAMPAIGN_RESPONSE", "withinDays": 30}},
                }
            },
        ),
        "saveSegment",
    )["segment"]
    query = "query($id: ID!) { profile(id: $id) { segments { segment { id } reason } } }"

    def member() -> bool:
        found = hub.gql(query, {"id": recipient["profileId"]})["data"]["profile"]["segments"]
        return any(m["segment"]["id"] == segment["id"] for m in found)

    assert not member()
    assert sent(hub, [response(recipient["responseCode"], unique("visitor"))])["accepted"] == 1
    assert member(), "the next read already knows"


def test_a_bad_code_refuses_the_batch_naming_the_event(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    sku = some_skus(hub, 1)[0]
    visitor = unique("visitor")
    viewed = {
        "messageId": unique("view"),
        "identifier": {"kind": "ANONYMOUS_ID", "value": visitor},
        "type": "VIEW",
        "touchpoint": "WEB",
        "productSku": sku,
    }
    held_out = mailing["control"][0]["responseCode"]
    missing = response("", visitor)
    missing["properties"] = {"page": "/spring"}
    for bad, code in (
        (response("ZZZZ2222", visitor), "NOT_FOUND"),
        (response(held_out, visitor), "CONTROL_GROUP"),
        (missing, "REQUIRED"),
    ):
        done = sent(hub, [viewed, bad])
        assert done["accepted"] == 0, done
        assert [(e["field"], e["code"]) for e in done["userErrors"]] == [
            (["events", "1", "properties", "responseCode"], code)
        ]
    # Nothing of the batch was stored: the visitor has no profile, the view included.
    nobody = hub.gql(
        "query($v: String!) { profile(identifier: {kind: ANONYMOUS_ID, value: $v}) { id } }",
        {"v": visitor},
    )
    assert nobody["data"]["profile"] is None
    events = hub.gql(EVENTS, {"id": mailing["control"][0]["profileId"]})["data"]["profile"]
    assert events["recentEvents"] == []


def test_an_erased_customers_code_is_dropped_as_suppressed(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    erased = mailing["treated"][-1]
    assert hub.gql(ERASE, {"id": erased["profileId"]})["data"]["eraseProfile"]["erased"]
    done = sent(hub, [response(erased["responseCode"], unique("visitor"))])
    assert done == {"accepted": 0, "duplicates": 0, "suppressed": 1, "userErrors": []}
