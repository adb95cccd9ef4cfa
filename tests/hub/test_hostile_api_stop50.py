"""A careless or hostile client of the GraphQL API we did not write (stop 50's audit of the later
capabilities): each test failed on the code before its fix."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from hub.privacy.models import SelfServiceCode
from tests.conftest import HubHandle, unique
from tests.hub.gql import SET_PREFERENCES
from tests.hub.test_identity_e2e import identify
from tests.hub.test_ledger_e2e import REDEEM, REQUEST, latest_code, shopper
from tests.hub.test_stewardship_e2e import LINK, SPLIT, state

_SAVE_LITERAL = """mutation { saveSegment(input: {name: "%s", rule: %s}) {
  segment { id } userErrors { field code message } } }"""


def test_a_rule_number_too_large_for_a_double_is_a_typed_error(hub: HubHandle) -> None:
    """A whole number of 400 digits written in the query (a JSON literal, which the body's own
    JSON check never sees) reached the rule parser as a Python int, whose conversion to float
    raised OverflowError: the client got "Unexpected error." and no payload, not a typed
    error on the field."""
    huge = "1" + "0" * 400
    for condition, field in (
        ("spend", "atLeast"),
        ("spend", "atMost"),
        ("event", "atLeast"),
        ("event", "withinDays"),
    ):
        rule = "{%s: {%s: %s}}" % (condition, field, huge)
        body = hub.gql(_SAVE_LITERAL % (unique("Huge "), rule))
        assert "errors" not in body, (condition, field, body)
        payload = body["data"]["saveSegment"]
        assert payload["segment"] is None, payload
        assert {"field": ["input", "rule", condition, field], "code": "OUT_OF_RANGE"} in [
            {"field": e["field"], "code": e["code"]} for e in payload["userErrors"]
        ], payload
    weight = '{preference: {key: "category", value: "x", minWeight: %s}}' % huge
    body = hub.gql(_SAVE_LITERAL % (unique("Huge "), weight))
    assert "errors" not in body, body
    errors = body["data"]["saveSegment"]["userErrors"]
    assert errors[0]["field"] == ["input", "rule", "preference", "minWeight"], errors


def test_a_split_takes_back_what_the_merge_filled_in_on_the_survivor(hub: HubHandle) -> None:
    """A merge fills the survivor's gaps (first name, postcode, …) from the profile it absorbs;
    the split restored the absorbed profile but left those on the survivor: after an agent
    undid a wrong link, the first customer still carried the other's first name and postcode
    (shown to them on their own ledger, and used for their post)."""
    agent = hub.agent_token()
    first = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"), lastName="Ay")
    other = identify(
        hub,
        hub.web_key,
        "WEB",
        ("EMAIL", f"{unique()}@example.com"),
        firstName="Bea",
        lastName="Bee",
        postcode="SW1A 1AA",
        preferredStore="Leeds",
    )
    first_id, other_id = first["profile"]["id"], other["profile"]["id"]
    before = {first_id: state(hub, first_id), other_id: state(hub, other_id)}

    linked = hub.gql(LINK, {"ids": [first_id, other_id]}, key=agent)["data"]["linkProfiles"]
    assert linked["userErrors"] == [] and linked["profile"]["id"] == first_id, linked
    during = state(hub, first_id)["profile"]
    assert during["firstName"] == "Bea" and during["traits"]["postcode"] == "SW1A 1AA", during

    split = hub.gql(SPLIT, {"m": linked["merges"][0]["id"]}, key=agent)["data"]["splitProfile"]
    assert split["userErrors"] == [], split
    assert state(hub, first_id)["profile"] == before[first_id]["profile"]
    assert state(hub, other_id)["profile"] == before[other_id]["profile"]


_SAVE = """mutation($input: SegmentInput!) { saveSegment(input: $input) {
  segment { id rule } userErrors { field code message } } }"""


def test_a_rules_texts_are_held_to_what_people_may_write(hub: HubHandle) -> None:
    """A segment's name and description refused control and format characters, but the texts
    inside its rule did not: a preference value with a bell and a right-to-left override was
    stored, and a `not` rule's reason ("You haven't shown much interest in bell…") carried it
    onto every member's screens. A preference key that setPreferences refuses ("Theme!!") was
    stored too, for a condition no profile can ever meet."""
    for body, field in (
        ({"preference": {"key": "theme", "value": "bell\u0007\u202e"}}, "value"),
        ({"event": {"category": "home\u001b[2J"}}, "category"),
        ({"event": {"productSku": "85123A\u200f"}}, "productSku"),
        ({"trait": {"name": "postcode", "startsWith": "SW\u0085"}}, "startsWith"),
    ):
        ((condition, _),) = body.items()
        answer = hub.gql(_SAVE, {"input": {"name": unique("Ctl "), "rule": {"not": body}}})
        payload = answer["data"]["saveSegment"]
        assert payload["segment"] is None, payload
        assert payload["userErrors"] == [
            {
                "field": ["input", "rule", "not", condition, field],
                "code": "INVALID",
                "message": "Control characters are not allowed.",
            }
        ], payload

    odd_key = {"preference": {"key": "Theme!!", "value": "vintage"}}
    answer = hub.gql(_SAVE, {"input": {"name": unique("Key "), "rule": odd_key}})
    payload = answer["data"]["saveSegment"]
    assert payload["segment"] is None, payload
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "rule", "preference", "key"], "INVALID")
    ], payload
    # An upper-case key is the same key, as setPreferences takes it.
    fine = {"preference": {"key": "Theme", "value": "vintage"}}
    payload = hub.gql(_SAVE, {"input": {"name": unique("Key "), "rule": fine}})["data"]
    assert payload["saveSegment"]["userErrors"] == [], payload
    assert payload["saveSegment"]["segment"]["rule"]["preference"]["key"] == "theme", payload


def test_a_survey_question_id_refuses_control_characters(hub: HubHandle) -> None:
    """setPreferences refused control characters in a value but not in the survey question
    id beside it, which was stored in the preference's origin ("survey:<question>") and
    handed back in the customer's own export with its escape sequences and right-to-left
    overrides."""
    shopper = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))
    for question in ("q1\u202e", "q1\u001b[31m", "q1\nq2"):
        body = hub.gql(
            SET_PREFERENCES,
            {
                "id": shopper["profile"]["id"],
                "tp": "WEB",
                "prefs": [{"key": "theme", "value": "vintage", "question": question}],
            },
            key=hub.web_key,
        )
        payload = body["data"]["setPreferences"]
        assert payload["profile"] is None, (question, payload)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["preferences", "0", "question"], "INVALID")
        ], (question, payload)


def test_a_duplicate_id_out_of_the_stores_range_is_not_found(hub: HubHandle) -> None:
    """dismissDuplicate turned its id into a number with int() alone, unlike every other row
    id (hub/ids.py `row_number`): one past a 64-bit integer reached the store, which failed
    (asyncpg: "value out of int64 range"; sqlite3: OverflowError), and the agent got
    "Unexpected error." with no payload."""
    agent = hub.agent_token()
    mutation = """mutation($id: ID!) { dismissDuplicate(id: $id) { dismissed
      userErrors { field code message } } }"""
    for wanted in ("9223372036854775808", "9" * 30, "-1", "abc"):
        body = hub.gql(mutation, {"id": wanted}, key=agent)
        assert "errors" not in body, (wanted, body)
        payload = body["data"]["dismissDuplicate"]
        assert payload["dismissed"] is False, payload
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["id"], "NOT_FOUND")
        ], (wanted, payload)


def test_a_time_past_the_calendar_in_utc_is_out_of_range(hub: HubHandle) -> None:
    """31 December 9999 at 23:59 −05:00 is year 10000 in UTC, which the store cannot hold.
    Campaigns and content said so on the field (hub/errors.py `check_storable_time`), but a
    consent's expiry and the evaluation window did not: the conversion raised OverflowError
    and the client got "Unexpected error." (setConsent with no payload at all)."""
    beyond = "9999-12-31T23:59:59-05:00"
    shopper = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))
    consent = """mutation($id: ID!, $at: DateTime) { setConsent(profileId: $id,
      purpose: MARKETING_EMAIL, granted: true, touchpoint: WEB, expiresAt: $at) {
      consent { granted } userErrors { field code message } } }"""
    body = hub.gql(consent, {"id": shopper["profile"]["id"], "at": beyond})
    assert "errors" not in body, body
    payload = body["data"]["setConsent"]
    assert payload["consent"] is None, payload
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["expiresAt"], "OUT_OF_RANGE")
    ], payload

    evaluation = "query($f: DateTime!, $t: DateTime!) { evaluation(from: $f, to: $t) { end } }"
    body = hub.gql(evaluation, {"f": "2026-01-01T00:00:00Z", "t": beyond})
    assert body["data"] is None, body
    assert body["errors"][0]["extensions"] == {"code": "OUT_OF_RANGE", "field": ["to"]}, body
    assert "Unexpected" not in body["errors"][0]["message"], body


async def _age_codes(database_url: str, profile_id: str, minutes: int) -> None:
    """Time passing for one shopper's codes: each was asked for `minutes` earlier."""
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            codes = await session.scalars(
                select(SelfServiceCode).where(SelfServiceCode.profile_id == profile_id)
            )
            for code in codes:
                code.created_at -= timedelta(minutes=minutes)
                code.expires_at -= timedelta(minutes=minutes)
    finally:
        await engine.dispose()


def test_codes_for_one_shopper_are_limited_per_day_not_only_per_quarter_hour(
    hub: HubHandle,
) -> None:
    """Five tries per code and three codes per quarter of an hour, but nothing more: a client
    guessing a shopper's six-digit code could ask for three codes every fifteen minutes, all
    day, every day — 1,440 guesses a day at one customer's ledger, never refused. Now the
    codes one shopper may be sent are limited per day as well (so are the guesses)."""
    pid, ident = shopper(hub)
    for _ in range(12):  # a shopper who redeems each code is never held to the day's count
        assert hub.gql(REQUEST, {"i": ident}, key=hub.web_key)["data"]["requestSelfServiceCode"][
            "sent"
        ]
        redeemed = hub.gql(REDEEM, {"i": ident, "c": latest_code(hub, pid)}, key=hub.web_key)
        assert redeemed["data"]["redeemSelfServiceCode"]["token"], redeemed
        asyncio.run(_age_codes(hub.database_url, pid, 16))
    asked = 0
    for _ in range(40):  # ten hours of codes, three a quarter of an hour were it allowed
        body = hub.gql(REQUEST, {"i": ident}, key=hub.web_key)
        payload = body["data"]["requestSelfServiceCode"]
        if not payload["sent"]:
            assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
                (["identifier"], "TOO_MANY")
            ], payload
            break
        asked += 1
        code = latest_code(hub, pid)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for _ in range(5):
            hub.gql(REDEEM, {"i": ident, "c": wrong}, key=hub.web_key)
        asyncio.run(_age_codes(hub.database_url, pid, 16))
    assert asked <= 10, f"{asked} codes ({asked * 5} guesses) in ten hours"
    # A day later the shopper may ask again.
    asyncio.run(_age_codes(hub.database_url, pid, 24 * 60))
    again = hub.gql(REQUEST, {"i": ident}, key=hub.web_key)["data"]["requestSelfServiceCode"]
    assert again["sent"] is True, again


def test_a_bad_message_id_on_an_answer_to_a_suggestion_names_that_argument(
    hub: HubHandle,
) -> None:
    """respondToNextBestAction records the answer as an event under the caller's messageId;
    a bad one was refused with the field of the event batch inside (["events", "0",
    "messageId"]), which names nothing a client of this mutation sent."""
    agent = hub.agent_token()
    shopper = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{unique()}@example.com"))
    pid = shopper["profile"]["id"]
    offered = hub.gql(
        "query($id: ID!) { nextBestActions(profileId: $id) { id } }", {"id": pid}, key=agent
    )["data"]["nextBestActions"]
    respond = """mutation($id: ID!, $a: ID!, $m: String) { respondToNextBestAction(profileId: $id,
      actionId: $a, accepted: true, touchpoint: CALL_CENTER, messageId: $m) {
      userErrors { field code message } } }"""
    for message_id, code in (("m" * 201, "TOO_LONG"), ("m\u0007", "INVALID")):
        body = hub.gql(respond, {"id": pid, "a": offered[0]["id"], "m": message_id}, key=agent)
        errors = body["data"]["respondToNextBestAction"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(["messageId"], code)], errors
