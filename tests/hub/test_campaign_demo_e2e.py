"""The demo store's finished example campaign, on the test sample: an A/A check run as of
1 October 2010 over the "Active customers" segment with a control group, evaluated on the
customers' real later purchases. Nobody was sent anything, so it shows no significant lift, and
the report says so in plain words."""

from __future__ import annotations

import csv
import gzip
import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.campaigns import demo
from tests.conftest import SAMPLE, HubHandle, hub_command
from tests.hub.test_campaign_evaluation_e2e import EVALUATION
from tests.hub.test_campaigns_e2e import EXPORT, REDEEM, recipients

CUTOFF = "2010-10-01"
NAME = demo.name_for(datetime(2010, 10, 1, tzinfo=UTC))
FIELDS = """id name purpose status startsAt endsAt runAt controlPercent aaCheck audience control
  treated responded"""


@pytest.fixture(scope="module")
def aa(hub: HubHandle) -> dict[str, Any]:
    body = hub.gql("{ campaigns { %s } }" % FIELDS)
    assert "errors" not in body, body
    found = [c for c in body["data"]["campaigns"] if c["aaCheck"]]
    assert [c["name"] for c in found] == [NAME], "one demo A/A check, seeded once"
    campaign: dict[str, Any] = found[0]
    return campaign


def _customers_of_the_sample() -> tuple[set[str], set[str]]:
    """Customer numbers with a purchase line before the cut-off, and those with lines only
    after it (who were not yet customers on the day of the run)."""
    before: set[str] = set()
    seen: set[str] = set()
    with gzip.open(SAMPLE, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            customer = row["Customer ID"].removesuffix(".0")
            if not customer:
                continue
            seen.add(customer)
            bought = not row["Invoice"].startswith("C") and float(row["Quantity"]) > 0
            if bought and row["InvoiceDate"] < CUTOFF:
                before.add(customer)
    return before, seen - before


def test_the_demo_ships_an_aa_check_run_as_of_october_2010_with_a_control_group(
    hub: HubHandle, aa: dict[str, Any]
) -> None:
    assert aa["name"].startswith("A/A check") and "nothing sent" in aa["name"]
    assert (aa["purpose"], aa["status"], aa["controlPercent"]) == ("ANALYTICS", "RUN", 50.0)
    assert aa["runAt"].startswith("2010-10-01T00:00:00")
    assert aa["startsAt"].startswith("2010-10-01") and aa["endsAt"].startswith("2010-12-01")
    assert aa["control"] > 5 and aa["treated"] > 5, aa
    assert aa["audience"] == aa["control"] + aa["treated"] and aa["responded"] == 0

    # The audience is the segment as it stood on the day: customers who had bought by then,
    # none of those whose first purchase came later.
    before, only_later = _customers_of_the_sample()
    assert only_later, "the sample has customers who first bought after the run"
    frozen = recipients(hub, aa["id"])
    crm: dict[str, str] = {}
    for recipient in frozen:
        identifiers = hub.gql(
            "query($id: ID!) { profile(id: $id) { identifiers { kind value } } }",
            {"id": recipient["profileId"]},
        )["data"]["profile"]["identifiers"]
        crm[recipient["profileId"]] = next(i["value"] for i in identifiers if i["kind"] == "CRM_ID")
        assert recipient["exportedAt"] is None, "nothing was sent"
    assert set(crm.values()) <= before and not set(crm.values()) & only_later
    assert len(frozen) >= len(before) - 2  # (a customer whose lines are all non-products)
    # The split is keyed on the data file's customer numbers: the same in every demo store.
    assert all(r["control"] is demo.held_out(crm[r["profileId"]]) for r in frozen)


def test_its_evaluation_on_real_later_purchases_shows_no_significant_lift(
    hub: HubHandle, aa: dict[str, Any]
) -> None:
    found = hub.gql(EVALUATION, {"id": aa["id"]})["data"]["campaignEvaluation"]
    treated, control = found["treated"], found["control"]
    assert treated["recipients"] == aa["treated"] and control["recipients"] == aa["control"]
    assert treated["reached"] == 0 and treated["responded"] == control["responded"] == 0
    assert treated["converted"] > 0 and control["converted"] > 0, "real purchases after the run"
    assert found["conversionDifference"]["significant"] is False
    assert found["verdict"].startswith("no significant lift: the interval covers zero")


def test_nothing_can_be_mailed_or_answered_in_an_aa_check(
    hub: HubHandle, aa: dict[str, Any]
) -> None:
    export = hub.gql(EXPORT, {"id": aa["id"], "format": "CSV"})["data"]["exportCampaign"]
    assert [e["code"] for e in export["userErrors"]] == ["CONFLICT"] and export["data"] is None
    code = recipients(hub, aa["id"], control=False)[0]["responseCode"]
    refused = hub.gql(REDEEM, {"code": code, "tp": "KIOSK"}, key=hub.kiosk_key)
    assert [e["code"] for e in refused["data"]["redeemResponseCode"]["userErrors"]] == [
        "CONTROL_GROUP"
    ]


def test_the_report_says_in_plain_words_that_nothing_was_sent_and_no_lift_is_expected(
    hub: HubHandle, aa: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    hub_command(hub.database_url, "report", "--output", str(out))
    page = out.read_text(encoding="utf-8")
    sections = re.findall(
        r'<section class="card"[^>]*data-testid="campaign">(.*?)</section>', page, re.S
    )
    ours = [s for s in sections if html.escape(NAME) in s]
    assert len(ours) == 1
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", ours[0])).split())
    assert "nobody in either sent anything" in text
    note = re.search(r'data-testid="campaign-note">(.*?)</p>', ours[0], re.S)
    assert note is not None
    words = " ".join(html.unescape(note.group(1)).split())
    assert "This is an A/A check: no mailing was sent." in words
    assert "so no lift is expected" in words
    assert "The verdict is no significant lift, as it should be" in words
    assert "Verdict: no significant lift: the interval covers zero" in text


def test_the_window_is_the_last_two_whole_months_of_any_file() -> None:
    """The demo file's last purchase is on 9 December 2010; a later year's, or a retailer's
    own export, gets the same two months before its own last."""
    assert demo.window(datetime(2010, 12, 9, 12, 49, tzinfo=UTC)) == (
        datetime(2010, 10, 1, tzinfo=UTC),
        datetime(2010, 12, 1, tzinfo=UTC),
    )
    assert demo.window(datetime(2012, 1, 31, tzinfo=UTC)) == (
        datetime(2011, 11, 1, tzinfo=UTC),
        datetime(2012, 1, 1, tzinfo=UTC),
    )
    assert NAME == "A/A check: active customers, autumn 2010 (nothing sent)"
    assert demo.name_for(datetime(2011, 12, 1, tzinfo=UTC)).endswith("winter 2011 (nothing sent)")
