"""Direct-marketing campaigns end to end, on a real hub: the frozen audience with its control
group, the mail-merge export with picks and response codes, and codes coming back."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from hub.campaigns.service import in_control
from tests.conftest import HubHandle, drama_phone, unique
from tests.hub.gql import SET_CONSENT
from tests.hub.test_identity_e2e import identify

SAVE_SEGMENT = """mutation($input: SegmentInput!) { saveSegment(input: $input) {
  segment { id } userErrors { field code message } } }"""
CAMPAIGN_FIELDS = """id name segmentId purpose contentSlot controlPercent status runAt
  audience control treated responded"""
CREATE = (
    """mutation($input: CampaignInput!) { createCampaign(input: $input) {
  campaign { %s } userErrors { field code message } } }"""
    % CAMPAIGN_FIELDS
)
RUN = (
    """mutation($id: ID!) { runCampaign(campaignId: $id) {
  campaign { %s } userErrors { field code message } } }"""
    % CAMPAIGN_FIELDS
)
CAMPAIGN = "query($id: ID!) { campaign(id: $id) { %s } }" % CAMPAIGN_FIELDS
RECIPIENTS = """query($id: ID!, $control: Boolean) {
  campaignRecipients(campaignId: $id, first: 500, control: $control) {
    profileId control responseCode reason exportedAt respondedAt responseTouchpoint } }"""
EXPORT = """mutation($id: ID!, $format: ExportFormat!) {
  exportCampaign(campaignId: $id, format: $format) {
    count excludedWithdrawn excludedUnreachable data campaign { id treated }
    userErrors { field code message } } }"""
REDEEM = """mutation($code: String!, $tp: Touchpoint!) {
  redeemResponseCode(code: $code, touchpoint: $tp) {
    redeemed firstName duplicate userErrors { field code message } } }"""
EVENTS = """query($id: ID!) { profile(id: $id) {
  recentEvents(first: 10, types: [CAMPAIGN_RESPONSE]) { type touchpoint properties summary } } }"""
ERASE = "mutation($id:ID!){eraseProfile(profileId:$id){erased userErrors{code}}}"

GRANTED = 24  # consented and reachable by email: the audience
CONTROL_PERCENT = 50.0


def ok(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    assert payload["userErrors"] == [], payload
    return payload


def new_campaign(hub: HubHandle, segment_id: str, **extra: Any) -> dict[str, Any]:
    wanted = {
        "name": unique("Campaign "),
        "segmentId": segment_id,
        "purpose": "MARKETING_EMAIL",
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "2027-01-01T00:00:00Z",
        "controlPercent": CONTROL_PERCENT,
        **extra,
    }
    campaign: dict[str, Any] = ok(hub.gql(CREATE, {"input": wanted}), "createCampaign")["campaign"]
    return campaign


def recipients(hub: HubHandle, campaign_id: str, control: bool | None = None) -> list[Any]:
    body = hub.gql(RECIPIENTS, {"id": campaign_id, "control": control})
    assert "errors" not in body, body
    found: list[Any] = body["data"]["campaignRecipients"]
    return found


def marked_segment(hub: HubHandle, label: str) -> tuple[str, dict[str, Any]]:
    """A saved segment of the shoppers carrying a trait value only this test gives out."""
    marker = unique(label)
    rule = {"trait": {"name": "preferredStore", "equals": marker}}
    body = hub.gql(SAVE_SEGMENT, {"input": {"name": unique(f"{label} segment "), "rule": rule}})
    return marker, ok(body, "saveSegment")["segment"]


def mailable(hub: HubHandle, marker: str, first_name: str) -> tuple[dict[str, Any], str]:
    """A shopper in the marked segment who agreed to marketing email; their loyalty card."""
    card = unique("MLB").upper()
    profile = identify(
        hub,
        hub.web_key,
        "WEB",
        ("LOYALTY_ID", card),
        ("PHONE", drama_phone()),
        ("EMAIL", f"{unique('mlb')}@example.com"),
        firstName=first_name,
        preferredStore=marker,
    )["profile"]
    consent = {"id": profile["id"], "purpose": "MARKETING_EMAIL", "granted": True, "tp": "WEB"}
    ok(hub.gql(SET_CONSENT, consent), "setConsent")
    return profile, card


@pytest.fixture(scope="module")
def mailing(hub: HubHandle) -> dict[str, Any]:
    """A segment of 28 customers: 24 agreed to marketing email, 3 did not, 1 agreed but has no
    email; a 50 % control campaign over it, run."""
    marker, segment = marked_segment(hub, "Campaign")
    people: dict[str, dict[str, Any]] = {}
    for i in range(GRANTED + 4):
        granted, with_email = i < GRANTED or i == GRANTED + 3, i < GRANTED + 3
        identifiers = [("LOYALTY_ID", unique("CMP").upper()), ("PHONE", drama_phone())]
        if with_email:
            identifiers.append(("EMAIL", f"{unique('cmp')}@example.com"))
        profile = identify(
            hub,
            hub.web_key,
            "WEB",
            *identifiers,
            firstName=f"Reader{chr(ord('a') + i)}",
            lastName="Mailer",
            preferredStore=marker,
        )["profile"]
        ok(
            hub.gql(
                SET_CONSENT,
                {
                    "id": profile["id"],
                    "purpose": "MARKETING_EMAIL",
                    "granted": granted,
                    "tp": "WEB",
                },
            ),
            "setConsent",
        )
        people[profile["id"]] = {"granted": granted, "email": dict(identifiers).get("EMAIL")}
    campaign = new_campaign(hub, segment["id"])
    assert campaign["status"] == "DRAFT" and campaign["audience"] == 0
    run = ok(hub.gql(RUN, {"id": campaign["id"]}), "runCampaign")["campaign"]
    return {"segment": segment, "campaign": run, "people": people}


def test_a_run_freezes_the_consented_audience_and_holds_out_a_stable_control_group(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    campaign, people = mailing["campaign"], mailing["people"]
    reachable = {pid for pid, p in people.items() if p["granted"] and p["email"]}
    assert len(reachable) == GRANTED
    found = recipients(hub, campaign["id"])
    assert {r["profileId"] for r in found} == reachable, "no one without consent or email"
    control = {r["profileId"] for r in found if r["control"]}
    treated = reachable - control
    assert control and treated, "both groups hold customers"
    assert control == {p for p in reachable if in_control(int(campaign["id"]), p, CONTROL_PERCENT)}
    assert all(len(r["responseCode"]) == 8 for r in found)
    assert len({r["responseCode"] for r in found}) == len(found)
    assert (campaign["status"], campaign["audience"], campaign["control"], campaign["treated"]) == (
        "RUN",
        GRANTED,
        len(control),
        len(treated),
    )
    assert campaign["runAt"] and campaign["responded"] == 0

    # The audience is frozen: a second run is refused and changes nothing.
    again = hub.gql(RUN, {"id": campaign["id"]})["data"]["runCampaign"]
    assert again["campaign"] is None
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["campaignId"], "CONFLICT")]
    assert recipients(hub, campaign["id"]) == found
    listed = hub.gql("{ campaigns { id audience } }")["data"]["campaigns"]
    assert {"id": campaign["id"], "audience": GRANTED} in listed

    # Operators only.
    for key in (hub.web_key, hub.kiosk_key, hub.agent_token()):
        refused = hub.gql(RUN, {"id": campaign["id"]}, key=key)["data"]["runCampaign"]
        assert refused["userErrors"][0]["code"] == "FORBIDDEN"
        body = hub.post(CAMPAIGN, {"id": campaign["id"]}, key=key).json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_bad_campaigns_are_refused_field_by_field(hub: HubHandle, mailing: dict[str, Any]) -> None:
    body = hub.gql(
        CREATE,
        {
            "input": {
                "name": mailing["campaign"]["name"],
                "segmentId": "nope",
                "purpose": "ANALYTICS",
                "contentSlot": "no spaces!",
                "startsAt": "2026-02-01T00:00:00Z",
                "endsAt": "2026-01-01T00:00:00Z",
                "controlPercent": 95,
            }
        },
    )["data"]["createCampaign"]
    assert body["campaign"] is None
    assert {tuple(e["field"]): e["code"] for e in body["userErrors"]} == {
        ("input", "name"): "DUPLICATE",
        ("input", "segmentId"): "NOT_FOUND",
        ("input", "purpose"): "INVALID",
        ("input", "contentSlot"): "INVALID",
        ("input", "endsAt"): "OUT_OF_RANGE",
        ("input", "controlPercent"): "OUT_OF_RANGE",
    }
    draft = new_campaign(hub, mailing["segment"]["id"])
    early = hub.gql(EXPORT, {"id": draft["id"], "format": "JSON"})["data"]["exportCampaign"]
    assert early["userErrors"][0]["code"] == "CONFLICT", "no export before the run"


def test_every_exported_row_has_personal_picks_with_reasons_and_its_own_code(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    campaign, people = mailing["campaign"], mailing["people"]
    treated = recipients(hub, campaign["id"], control=False)
    control_codes = {r["responseCode"] for r in recipients(hub, campaign["id"], control=True)}
    # One treated recipient withdraws marketing email after the run: dropped at export.
    withdrew = treated[-1]["profileId"]
    ok(
        hub.gql(
            SET_CONSENT,
            {"id": withdrew, "purpose": "MARKETING_EMAIL", "granted": False, "tp": "WEB"},
        ),
        "setConsent",
    )
    done = ok(hub.gql(EXPORT, {"id": campaign["id"], "format": "JSON"}), "exportCampaign")
    rows = json.loads(done["data"])
    assert (done["count"], done["excludedWithdrawn"], done["excludedUnreachable"]) == (
        len(treated) - 1,
        1,
        0,
    )
    codes = {r["profileId"]: r["responseCode"] for r in treated}
    assert {r["profileId"] for r in rows} == set(codes) - {withdrew}
    for row in rows:
        assert row["responseCode"] == codes[row["profileId"]]
        assert row["responseCode"] not in control_codes
        assert row["email"] == people[row["profileId"]]["email"]
        assert row["firstName"].startswith("Reader")
        assert "phone" not in row, "an email campaign carries no phone numbers"
        assert len(row["picks"]) == 3
        assert all(p["sku"] and p["name"] and p["reason"] for p in row["picks"]), row
    assert len({r["responseCode"] for r in rows}) == len(rows)
    exported = recipients(hub, campaign["id"], control=False)
    assert all(r["exportedAt"] for r in exported if r["profileId"] != withdrew)

    as_csv = ok(hub.gql(EXPORT, {"id": campaign["id"], "format": "CSV"}), "exportCampaign")
    lines = list(csv.DictReader(io.StringIO(as_csv["data"])))
    assert len(lines) == len(rows)
    assert all(line["pick3Reason"] and line["responseCode"] for line in lines)
    audit = hub.gql("{ auditLog(first: 30) { action detail } }")["data"]["auditLog"]
    assert any(a["action"] == "EXPORT_CAMPAIGN" and campaign["name"] in a["detail"] for a in audit)


def test_a_code_told_at_the_kiosk_or_to_an_agent_lands_on_the_right_profile(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    campaign = mailing["campaign"]
    treated = recipients(hub, campaign["id"], control=False)
    at_kiosk, by_phone = treated[0], treated[1]
    typed = f"{at_kiosk['responseCode'][:4].lower()}-{at_kiosk['responseCode'][4:]}"
    answer = ok(
        hub.gql(REDEEM, {"code": typed, "tp": "KIOSK"}, key=hub.kiosk_key), "redeemResponseCode"
    )
    names = {
        pid: hub.gql("query($id: ID!) { profile(id: $id) { firstName } }", {"id": pid})["data"][
            "profile"
        ]["firstName"]
        for pid in (at_kiosk["profileId"], by_phone["profileId"])
    }
    assert answer == {
        "redeemed": True,
        "firstName": names[at_kiosk["profileId"]],
        "duplicate": False,
        "userErrors": [],
    }
    told = ok(
        hub.gql(
            REDEEM, {"code": by_phone["responseCode"], "tp": "CALL_CENTER"}, key=hub.agent_token()
        ),
        "redeemResponseCode",
    )
    assert told["firstName"] == names[by_phone["profileId"]]

    for recipient, touchpoint in ((at_kiosk, "KIOSK"), (by_phone, "CALL_CENTER")):
        events = hub.gql(EVENTS, {"id": recipient["profileId"]})["data"]["profile"]["recentEvents"]
        assert [(e["type"], e["touchpoint"]) for e in events] == [("CAMPAIGN_RESPONSE", touchpoint)]
        assert events[0]["properties"] == {
            "campaignId": campaign["id"],
            "responseCode": recipient["responseCode"],
        }
    # The same code again changes nothing.
    again = ok(
        hub.gql(REDEEM, {"code": at_kiosk["responseCode"], "tp": "WEB"}, key=hub.web_key),
        "redeemResponseCode",
    )
    assert again["duplicate"] is True
    after = {r["profileId"]: r for r in recipients(hub, campaign["id"], control=False)}
    assert after[at_kiosk["profileId"]]["responseTouchpoint"] == "KIOSK"
    assert after[by_phone["profileId"]]["responseTouchpoint"] == "CALL_CENTER"
    assert hub.gql(CAMPAIGN, {"id": campaign["id"]})["data"]["campaign"]["responded"] == 2
    audit = hub.gql(
        "query($id: ID!) { auditLog(profileId: $id, first: 20) { action detail } }",
        {"id": at_kiosk["profileId"]},
    )["data"]["auditLog"]
    assert any(a["action"] == "REDEEM_RESPONSE_CODE" for a in audit)


def test_control_unknown_and_erased_codes_are_refused(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    campaign = mailing["campaign"]
    held_out = recipients(hub, campaign["id"], control=True)[0]
    treated = recipients(hub, campaign["id"], control=False)
    erased = treated[2]
    assert hub.gql(ERASE, {"id": erased["profileId"]})["data"]["eraseProfile"]["erased"]

    def refused(code: str) -> list[tuple[Any, str]]:
        body = hub.gql(REDEEM, {"code": code, "tp": "KIOSK"}, key=hub.kiosk_key)
        payload = body["data"]["redeemResponseCode"]
        assert payload["redeemed"] is False and payload["firstName"] is None
        return [(e["field"], e["code"]) for e in payload["userErrors"]]

    assert refused(held_out["responseCode"]) == [(["code"], "CONTROL_GROUP")]
    assert refused("ZZZZ2222") == [(["code"], "NOT_FOUND")]
    assert refused("") == [(["code"], "NOT_FOUND")]
    assert refused(erased["responseCode"]) == [(["code"], "SUPPRESSED")]
    events = hub.gql(EVENTS, {"id": held_out["profileId"]})["data"]["profile"]["recentEvents"]
    assert events == [], "a refused code records nothing"
    # The erased recipient is no longer in the mail-merge.
    done = ok(hub.gql(EXPORT, {"id": campaign["id"], "format": "JSON"}), "exportCampaign")
    assert erased["profileId"] not in {r["profileId"] for r in json.loads(done["data"])}
    assert done["excludedUnreachable"] >= 1


def test_an_unknown_campaign_is_a_typed_error_not_a_crash(hub: HubHandle) -> None:
    # Found by the schemathesis fuzz run: campaignRecipients(campaignId: "") answered
    # "Unexpected error." (a DomainError escaping a query resolver).
    for campaign_id in ("", "999999", "not-a-number"):
        body = hub.gql(
            "query($id: ID!) { campaignRecipients(campaignId: $id, first: 0) { responseCode } }",
            {"id": campaign_id},
        )
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body


def test_a_treated_recipient_merged_with_a_control_one_is_held_out_of_the_mail_merge(
    hub: HubHandle,
) -> None:
    """The control group is sent nothing: once a treated and a control recipient turn out to be
    one person (merged after the run, either way round), that person is held out."""
    marker, segment = marked_segment(hub, "Merged")
    card_of: dict[str, str] = {}
    for i in range(16):
        profile, card = mailable(hub, marker, f"Merger{chr(ord('a') + i)}")
        card_of[profile["id"]] = card
    campaign = new_campaign(hub, segment["id"])
    ok(hub.gql(RUN, {"id": campaign["id"]}), "runCampaign")
    treated = recipients(hub, campaign["id"], control=False)
    control = recipients(hub, campaign["id"], control=True)
    assert len(treated) >= 2 and len(control) >= 2, "a 50 % split of 16"
    # A treated customer merges into a control one, and a control one into a treated one.
    held_out = set()
    for first, second in [(control[0], treated[0]), (treated[1], control[1])]:
        both = identify(
            hub,
            hub.admin_key,
            "WEB",
            ("LOYALTY_ID", card_of[first["profileId"]]),
            ("LOYALTY_ID", card_of[second["profileId"]]),
        )
        assert both["merged"], both
        held_out.add(both["profile"]["id"])

    done = ok(hub.gql(EXPORT, {"id": campaign["id"], "format": "JSON"}), "exportCampaign")
    mailed = {row["profileId"] for row in json.loads(done["data"])}
    assert not mailed & held_out, "a control-group customer was sent the mailing"
    assert mailed == {r["profileId"] for r in treated[2:]}
    assert done["excludedUnreachable"] == 2


def test_a_segment_a_campaign_was_made_for_is_not_deleted_and_the_refusal_says_why(
    hub: HubHandle,
) -> None:
    """Deleting it is refused on `id`, naming the campaign (it was a nameless "That conflicts
    with data already stored." from the store's foreign key)."""
    _, segment = marked_segment(hub, "Kept")
    campaign = new_campaign(hub, segment["id"])
    body = hub.gql(
        "mutation($id: ID!) { deleteSegment(id: $id) {"
        " deletedId userErrors { field code message } } }",
        {"id": segment["id"]},
    )
    payload = body["data"]["deleteSegment"]
    assert payload["deletedId"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (["id"], "CONFLICT"), error
    assert campaign["name"] in error["message"], error
    assert ok(hub.gql(RUN, {"id": campaign["id"]}), "runCampaign")["campaign"]["status"] == "RUN"


def test_every_recipient_can_be_listed_a_page_at_a_time(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    """campaignRecipients stopped at its first page (at most 1,000): past it an audience could
    not be read. `after` (a recipient's `id`) reads on from there."""
    campaign = mailing["campaign"]
    page_query = """query($id: ID!, $after: ID, $control: Boolean) {
      campaignRecipients(campaignId: $id, first: 5, after: $after, control: $control) {
        id profileId control } }"""
    for control in (None, True, False):
        seen: list[dict[str, Any]] = []
        after = None
        while True:
            body = hub.gql(page_query, {"id": campaign["id"], "after": after, "control": control})
            assert "errors" not in body, body
            page = body["data"]["campaignRecipients"]
            if not page:
                break
            assert len(page) <= 5
            seen += page
            after = page[-1]["id"]
        everyone = recipients(hub, campaign["id"], control=control)
        assert [r["profileId"] for r in seen] == [r["profileId"] for r in everyone]
        assert len({r["id"] for r in seen}) == len(seen)
    assert len(recipients(hub, campaign["id"])) == campaign["audience"] > 5


def test_an_after_that_is_not_a_recipient_of_the_campaign_is_refused_on_its_field(
    hub: HubHandle, mailing: dict[str, Any]
) -> None:
    """A malformed or unknown `after` read the first page again, so a client paging with a
    stale or mistyped cursor would loop; it is INVALID on `after`, as `products(after:)` is."""
    campaign = mailing["campaign"]
    query = """query($id: ID!, $after: ID) {
      campaignRecipients(campaignId: $id, first: 5, after: $after) { id } }"""
    last = hub.gql(query, {"id": campaign["id"], "after": None})["data"]["campaignRecipients"]
    assert last
    for after in ("not-a-cursor", "-1", "0", "999999999999"):
        body = hub.post(query, {"id": campaign["id"], "after": after}).json()
        assert body["data"] is None, (after, body)
        error = body["errors"][0]
        assert error["extensions"]["code"] == "INVALID", (after, error)
        assert error["extensions"].get("field") == ["after"], (after, error)
    fine = hub.gql(query, {"id": campaign["id"], "after": last[0]["id"]})
    assert "errors" not in fine, fine


def test_a_window_that_leaves_the_calendar_in_utc_is_refused_on_its_field(
    hub: HubHandle,
) -> None:
    """9999-12-31T23:00-05:00 is year 10000 in UTC, as the store keeps it: createCampaign
    failed with "Unexpected error."; it is OUT_OF_RANGE on the field, and nothing is stored."""
    _, segment = marked_segment(hub, "Calendar")
    for field, at in (
        ("startsAt", "0001-01-01T00:00:00+01:00"),
        ("endsAt", "9999-12-31T23:00:00-05:00"),
    ):
        wanted = {
            "name": unique("Calendar "),
            "segmentId": segment["id"],
            "purpose": "MARKETING_EMAIL",
            "startsAt": "2026-01-01T00:00:00Z",
            "endsAt": "2027-01-01T00:00:00Z",
            field: at,
        }
        body = hub.gql(CREATE, {"input": wanted})
        assert "errors" not in body, body
        errors = body["data"]["createCampaign"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(["input", field], "OUT_OF_RANGE")]
