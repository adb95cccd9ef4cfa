"""More read-then-decide-then-write steps that two requests at once get wrong (the ones
tests/hub/test_write_races.py does not cover). Each test pauses a real write just after it has
read what it decides on (the module's own function, wrapped), runs a second whole GraphQL
request through the same app there, and then lets the first one go on."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from hub.campaigns import responses
from hub.identity import duplicates
from tests.hub.gql import SET_CONSENT
from tests.hub.inprocess import serving_store
from tests.hub.test_write_races import (
    LINK,
    Ask,
    _After,
    _asker,
    _identified,
    _rows,
    _two_customers,
)

App = tuple[Ask, Any]


@pytest.fixture
async def app(hub_database: tuple[str, dict[str, str]]) -> AsyncIterator[App]:
    async with serving_store(hub_database) as (client, view, keys):
        view.race_client = client  # for a request with a bearer of the test's own
        yield _asker(client, keys), view


# ------------------------------------------------------------------ possible duplicates

DISMISS = "mutation($id: ID!) { dismissDuplicate(id: $id) { dismissed userErrors { code } } }"


async def _duplicate_pair(ask: Ask, view: Any) -> tuple[str, str, int]:
    """Two profiles with the same name and postcode (queued as possible duplicates): their
    ids and the candidate's id."""
    last = "Racer" + uuid.uuid4().hex[:6]
    traits = {"firstName": "Hal", "lastName": last, "postcode": "SW1A 1AA"}
    ids = []
    for kind, value in (
        ("EMAIL", f"dup-{uuid.uuid4().hex[:10]}@example.com"),
        ("LOYALTY_ID", f"DL{uuid.uuid4().hex[:10]}".upper()),
    ):
        answer = await ask(
            "mutation($input: IdentifyInput!) { identify(input: $input) { profile { id } } }",
            {
                "input": {
                    "identifiers": [{"kind": kind, "value": value}],
                    "touchpoint": "WEB",
                    "traits": traits,
                }
            },
            "admin",
        )
        ids.append(answer["data"]["identify"]["profile"]["id"])
    a, b = sorted(ids)
    ((candidate,),) = await _rows(
        view,
        "SELECT id FROM duplicate_candidates WHERE profile_a = :a AND profile_b = :b",
        a=a,
        b=b,
    )
    return a, b, int(candidate)


async def _status(view: Any, candidate: int) -> str:
    ((status,),) = await _rows(
        view, "SELECT status FROM duplicate_candidates WHERE id = :i", i=candidate
    )
    return str(status)


async def test_a_pair_linked_while_it_is_being_dismissed_stays_linked(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dismissDuplicate reads the candidate (OPEN), an agent links the two profiles (the
    candidate becomes LINKED), then the dismissal writes DISMISSED over it and says it
    dismissed a pair that is one customer now."""
    ask, view = app
    a, b, candidate = await _duplicate_pair(ask, view)
    linking = _After(
        monkeypatch, duplicates, "dismiss", lambda: ask(LINK, {"ids": [a, b]}, "admin")
    )
    dismissed = await ask(DISMISS, {"id": str(candidate)}, "admin")
    (linked,) = await linking.finished()
    assert linked["data"]["linkProfiles"]["userErrors"] == []
    if not linking.first:  # the link waited for the dismissal: dismissed, then linked
        assert dismissed["data"]["dismissDuplicate"] == {"dismissed": True, "userErrors": []}
        assert await _status(view, candidate) == "DISMISSED"
        return
    # The link committed first. Before: {"dismissed": True, "userErrors": []}, and the
    # candidate DISMISSED although its two profiles are one customer now.
    assert dismissed["data"]["dismissDuplicate"] == {
        "dismissed": False,
        "userErrors": [{"code": "CONFLICT"}],
    }
    assert await _status(view, candidate) == "LINKED"


async def test_a_pair_dismissed_twice_at_once_is_dismissed_once(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both dismissals read the candidate OPEN: both answer dismissed (the second should be
    CONFLICT "Already dismissed", as it is one after the other), the later one's agent and
    time overwriting the first's."""
    ask, view = app
    _, _, candidate = await _duplicate_pair(ask, view)
    other = _After(
        monkeypatch, duplicates, "dismiss", lambda: ask(DISMISS, {"id": str(candidate)}, "admin")
    )
    first = await ask(DISMISS, {"id": str(candidate)}, "admin")
    (second,) = await other.finished()
    answers = [first["data"]["dismissDuplicate"], second["data"]["dismissDuplicate"]]
    assert sorted(a["dismissed"] for a in answers) == [False, True], answers


# ------------------------------------------------------------------ campaign response codes

SAVE_SEGMENT = """mutation($input: SegmentInput!) { saveSegment(input: $input) {
  segment { id } userErrors { field code message } } }"""
CREATE_CAMPAIGN = """mutation($input: CampaignInput!) { createCampaign(input: $input) {
  campaign { id } userErrors { field code message } } }"""
RUN_CAMPAIGN = """mutation($id: ID!) { runCampaign(campaignId: $id) {
  campaign { id status audience } userErrors { field code message } } }"""
RECIPIENTS = """query($id: ID!) { campaignRecipients(campaignId: $id, first: 50) {
  profileId control responseCode respondedAt responseTouchpoint } }"""
REDEEM = """mutation($code: String!, $tp: Touchpoint!) {
  redeemResponseCode(code: $code, touchpoint: $tp) {
    redeemed duplicate userErrors { field code message } } }"""


def _ok(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    assert payload.get("userErrors", []) == [], payload
    return payload


async def _mailable(ask: Ask, email: str, marker: str) -> str:
    """A new customer by `email`, preferred store `marker`, who agreed to marketing email:
    their profile id."""
    found = await ask(
        "mutation($input: IdentifyInput!) { identify(input: $input) { profile { id } } }",
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": email}],
                "touchpoint": "WEB",
                "traits": {"firstName": "Mo", "preferredStore": marker},
            }
        },
        "admin",
    )
    profile_id = str(found["data"]["identify"]["profile"]["id"])
    consent = {"id": profile_id, "purpose": "MARKETING_EMAIL", "granted": True, "tp": "WEB"}
    _ok(await ask(SET_CONSENT, consent, "admin"), "setConsent")
    return profile_id


async def _segment_for(ask: Ask, marker: str) -> str:
    """A segment of the customers whose preferred store is `marker`: its id."""
    segment = _ok(
        await ask(
            SAVE_SEGMENT,
            {
                "input": {
                    "name": f"Race segment {uuid.uuid4().hex[:8]}",
                    "rule": {"trait": {"name": "preferredStore", "equals": marker}},
                }
            },
            "admin",
        ),
        "saveSegment",
    )["segment"]
    return str(segment["id"])


async def _campaign_for(ask: Ask, marker: str) -> str:
    """A draft campaign (no control group) mailing MARKETING_EMAIL to a segment of the
    customers whose preferred store is `marker`: its id."""
    campaign = _ok(
        await ask(
            CREATE_CAMPAIGN,
            {
                "input": {
                    "name": f"Race campaign {uuid.uuid4().hex[:8]}",
                    "segmentId": await _segment_for(ask, marker),
                    "purpose": "MARKETING_EMAIL",
                    "startsAt": "2026-01-01T00:00:00Z",
                    "endsAt": "2027-01-01T00:00:00Z",
                    "controlPercent": 0.0,
                }
            },
            "admin",
        ),
        "createCampaign",
    )["campaign"]
    return str(campaign["id"])


async def _mailed(ask: Ask, people: int = 1) -> tuple[str, list[dict[str, Any]]]:
    """A run campaign (no control group) over `people` new customers who agreed to marketing
    email: its id and its recipients."""
    marker = f"store-{uuid.uuid4().hex[:10]}"
    for _ in range(people):
        await _mailable(ask, f"mail-{uuid.uuid4().hex[:10]}@example.com", marker)
    campaign_id = await _campaign_for(ask, marker)
    ran = _ok(await ask(RUN_CAMPAIGN, {"id": campaign_id}, "admin"), "runCampaign")
    assert ran["campaign"]["audience"] == people, ran
    body = await ask(RECIPIENTS, {"id": campaign_id}, "admin")
    return campaign_id, list(body["data"]["campaignRecipients"])


async def test_a_response_code_told_twice_at_once_keeps_the_first_answer(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """redeemResponseCode reads the recipient (not yet answered); the same code told at another
    touchpoint is redeemed meanwhile and commits; the first goes on: its event is a duplicate,
    but its stale recipient row is marked answered again, here, now — over the first answer
    ("the first answer counts")."""
    ask, _ = app
    campaign, (recipient,) = await _mailed(ask)
    code = recipient["responseCode"]
    web = _After(
        monkeypatch, responses, "look_up", lambda: ask(REDEEM, {"code": code, "tp": "WEB"}, "admin")
    )
    kiosk = await ask(REDEEM, {"code": code, "tp": "KIOSK"}, "admin")
    (first,) = await web.finished()
    assert first["data"]["redeemResponseCode"]["userErrors"] == [], first
    assert kiosk["data"]["redeemResponseCode"]["userErrors"] == [], kiosk
    (after,) = (await ask(RECIPIENTS, {"id": campaign}, "admin"))["data"]["campaignRecipients"]
    answered_first = "WEB" if web.first else "KIOSK"
    # Before: the web site's answer committed first, and the kiosk's duplicate overwrote it.
    assert after["responseTouchpoint"] == answered_first, (after, web.first)
    assert [a["data"]["redeemResponseCode"]["duplicate"] for a in (first, kiosk)] == (
        [False, True] if web.first else [True, False]
    )


# ------------------------------------------------------------------ agents' sign-in

LOGIN = """mutation($u: String!, $p: String!) { agentLogin(username: $u, password: $p) {
  token userErrors { code } } }"""


async def test_a_password_reset_while_an_agent_signs_in_leaves_no_token_of_the_old_password(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """agentLogin checks the password, then (in its write) reads the agent again to see that
    the hash has not changed, and inserts a token. `rapport-hub agents create` resets the
    password and deletes the agent's tokens ("a new password signs the agent out
    everywhere: old tokens may have leaked with it"). A reset that commits between the login's
    read and its insert leaves a working token made with the old password."""
    from hub.auth import repository as auth_repo
    from hub.auth import service as auth

    ask, view = app
    username = f"race.{uuid.uuid4().hex[:8]}"
    old, new = "old horse battery", "new horse battery"

    async def reset(password: str) -> None:
        async with view.hub.db.sessions() as session:
            await auth.create_agent(session, username, password, "Race Agent")
            await session.commit()

    await reset(old)
    # Just before the login's write (its purge of expired tokens, after its read of the agent).
    resetting = _After(
        monkeypatch, auth_repo, "purge_expired_tokens", lambda: reset(new), before=True
    )
    signed_in = await ask(LOGIN, {"u": username, "p": old}, "callcenter")
    await resetting.finished()
    token = signed_in["data"]["agentLogin"]["token"]
    if token is None:
        return  # refused: the reset was seen
    answer = (
        await view.race_client.post(
            "/graphql",
            json={"query": "{ possibleDuplicates { id } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    ).status_code
    # Before: 200, the old password's token works after the reset signed the agent out.
    assert answer == 401, "a token made with the old password outlives the reset"


async def _merged_between_pages(
    ask: Ask, monkeypatch: pytest.MonkeyPatch, marker: str
) -> Callable[[], Coroutine[Any, Any, None]]:
    """Two profiles of one customer: the older by loyalty card (no store yet), the newer by
    email with store `marker` and consent to marketing email. A read of the live profiles page
    by page (`segments.repository.live_profiles_after`) gets a page that ends at the older
    one, and the two are merged (the newer one's store, email and consent go to the older)
    before the next page is read. Returns a check that the merge happened."""
    from hub.segments import repository as segment_repo

    tag = uuid.uuid4().hex[:10]
    email, loyalty = f"camp-{tag}@example.com", f"CL{tag}".upper()
    older = (await _identified(ask, ("LOYALTY_ID", loyalty)))["profile"]["id"]
    await asyncio.sleep(0.01)
    newer = await _mailable(ask, email, marker)
    assert older < newer
    real = segment_repo.live_profiles_after
    merging: list[asyncio.Task[dict[str, Any]]] = []

    async def paged(session: Any, after: str | None, limit: int) -> list[Any]:
        page = await real(session, after, limit)
        ids = [p.id for p in page]
        if older in ids and not merging:
            page = page[: ids.index(older) + 1]  # the newer one is on the next page
            merging.append(
                asyncio.create_task(_identified(ask, ("EMAIL", email), ("LOYALTY_ID", loyalty)))
            )
            await asyncio.wait(merging, timeout=1.0)
        return page

    monkeypatch.setattr(segment_repo, "live_profiles_after", paged)

    async def merged() -> None:
        (answer,) = await asyncio.gather(*merging)
        assert answer["merged"] is True and answer["profile"]["id"] == older

    return merged


async def test_a_customer_merged_while_the_campaign_runs_is_in_its_audience_once(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """runCampaign reads the live profiles page by page. Run before the merge the newer
    profile is mailed, run after it the survivor: run across it (`_merged_between_pages`),
    nobody. On PostgreSQL each page was read as of its own statement; on SQLite the run holds
    the store's write lock from its first UPDATE, and the merge waits."""
    ask, _ = app
    marker = f"store-{uuid.uuid4().hex[:10]}"
    campaign_id = await _campaign_for(ask, marker)
    merged = await _merged_between_pages(ask, monkeypatch, marker)
    ran = _ok(await ask(RUN_CAMPAIGN, {"id": campaign_id}, "admin"), "runCampaign")
    await merged()
    # Before, on PostgreSQL: 0 — the customer is mailed by neither profile.
    assert ran["campaign"]["audience"] == 1, ran


EXPORT = """mutation($id: ID!) { exportSegment(segmentId: $id, purpose: MARKETING_EMAIL,
  format: JSON) { count data userErrors { code } } }"""


async def test_a_customer_merged_while_the_segment_is_exported_is_in_it_once(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """exportSegment reads the same pages as a campaign's run (`exports.reachable`) and only
    records itself: its reads now see one snapshot of the store on both stores. Before, a merge
    between two pages left the customer out (both stores: on SQLite the export holds no lock)."""
    ask, _ = app
    marker = f"store-{uuid.uuid4().hex[:10]}"
    segment_id = await _segment_for(ask, marker)
    merged = await _merged_between_pages(ask, monkeypatch, marker)
    exported = _ok(await ask(EXPORT, {"id": segment_id}, "admin"), "exportSegment")
    await merged()
    assert exported["count"] == 1, exported


# ------------------------------------------------------------------ gift registries

CREATE_REGISTRY = """mutation($id: ID!, $input: GiftRegistryInput!) {
  createGiftRegistry(profileId: $id, input: $input, touchpoint: STORE) {
    giftRegistry { code } userErrors { code } } }"""
BUY_GIFT = """mutation($code: String!, $sku: String!) {
  buyFromGiftRegistry(code: $code, sku: $sku, quantity: 1, touchpoint: KIOSK) {
    duplicate userErrors { code } } }"""


async def test_a_gift_bought_while_the_owner_is_merged_is_told_to_the_survivor(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A guest's buy tells the registry's owner ("A gift was bought from …": a version, an
    audit line, a live notice). It looked the owner up without locking it, so a merge that
    committed before the buy wrote its notice left the notice on the profile merged away,
    where nobody reads it (PostgreSQL: the buy held nothing the merge waits for)."""
    from hub.profiles import service as profiles

    ask, view = app
    email, loyalty, older, newer = await _two_customers(ask)
    ((sku,),) = await _rows(view, "SELECT sku FROM products ORDER BY sku LIMIT 1")
    title = f"Race wedding {uuid.uuid4().hex[:8]}"
    made = await ask(
        CREATE_REGISTRY,
        {"id": newer, "input": {"title": title, "occasion": "Wedding",
                                "items": [{"sku": sku, "quantity": 3}]}},
        "admin",
    )  # fmt: skip
    code = _ok(made, "createGiftRegistry")["giftRegistry"]["code"]
    merging = _After(
        monkeypatch,
        profiles,
        "touch",
        lambda: _identified(ask, ("EMAIL", email), ("LOYALTY_ID", loyalty)),
        before=True,
    )
    _ok(await ask(BUY_GIFT, {"code": code, "sku": sku}, "admin"), "buyFromGiftRegistry")
    (merged,) = await merging.finished()
    assert merged["merged"] is True and merged["profile"]["id"] == older
    told = await _rows(
        view,
        "SELECT profile_id FROM audit_log WHERE detail = :d",
        d=f"A gift was bought from “{title}”",
    )
    # Merged first, the buy's notice belongs to the survivor; otherwise the merge waited for
    # the buy, and the notice went to the owner as it then was (and moved with the merge).
    # Before, on PostgreSQL: the merge went first and the notice stayed on `newer`.
    assert told == [(older,)] if merging.first else told in ([(newer,)], [(older,)]), told
