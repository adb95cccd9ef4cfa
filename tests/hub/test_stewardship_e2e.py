"""A wrong merge is undone exactly; agents link profiles they confirm are one person."""

from __future__ import annotations

from typing import Any

from tests.conftest import HubHandle, drama_phone, unique
from tests.hub.gql import ADD_NOTE, SET_CONSENT, SET_PREFERENCES
from tests.hub.test_identity_e2e import identify, some_skus, track, view

EXPORT = "mutation($id:ID!){exportProfile(profileId:$id){document userErrors{code}}}"
MERGES = "query($id:ID!){profile(id:$id){merges{id mergedId reason identifiersMoved splitAt}}}"
SPLIT = """mutation($m: ID!) { splitProfile(mergeId: $m) { survivor { id } restored { id }
  userErrors { field code message } } }"""
LINK = """mutation($ids: [ID!]!) { linkProfiles(profileIds: $ids) { profile { id identifiers {
  kind value } } merges { id reason } userErrors { field code message } } }"""


def state(hub: HubHandle, profile_id: str) -> dict[str, Any]:
    """Everything held about a profile, minus what a merge and split legitimately change."""
    doc = hub.gql(EXPORT, {"id": profile_id})["data"]["exportProfile"]["document"]
    doc.pop("exportedAt")
    for key in ("updatedAt", "version", "mergedProfileIds"):
        doc["profile"].pop(key)
    for interest in doc["learnedInterests"]:
        interest["score"] = round(interest["score"], 3)
    doc["learnedInterests"].sort(key=lambda a: (a["key"], a["value"]))
    doc["preferences"].sort(key=lambda p: (p["key"], p["value"]))
    doc["identifiers"].sort(key=lambda i: (i["kind"], i["value"]))
    return doc


def test_split_restores_both_profiles_exactly(hub: HubHandle) -> None:
    email, anon = f"{unique()}@example.com", unique("anon-")
    skus = some_skus(hub, 3)
    agent = hub.agent_token()
    known = identify(hub, hub.web_key, "WEB", ("EMAIL", email), firstName="Kit")["profile"]
    track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, skus[0], "WEB")])
    hub.gql(
        SET_PREFERENCES,
        {
            "id": known["id"],
            "tp": "WEB",
            "prefs": [
                {"key": "theme", "value": "vintage"},
                {"key": "occasion", "value": "wedding"},
            ],
        },
    )
    hub.gql(
        SET_CONSENT, {"id": known["id"], "purpose": "MARKETING_EMAIL", "granted": True, "tp": "WEB"}
    )
    hub.gql(ADD_NOTE, {"id": known["id"], "text": "Kit's note"}, key=agent)

    track(
        hub, hub.kiosk_key, [view(unique("m"), "ANONYMOUS_ID", anon, s, "KIOSK") for s in skus[1:]]
    )
    other = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", anon))["profile"]
    hub.gql(
        SET_PREFERENCES,
        {
            "id": other["id"],
            "tp": "KIOSK",
            "prefs": [
                {"key": "theme", "value": "vintage", "like": False},
                {"key": "size", "value": "L"},
            ],
        },
    )
    hub.gql(
        SET_CONSENT,
        {"id": other["id"], "purpose": "MARKETING_EMAIL", "granted": False, "tp": "KIOSK"},
    )
    before = {known["id"]: state(hub, known["id"]), other["id"]: state(hub, other["id"])}

    merged = identify(hub, hub.web_key, "WEB", ("EMAIL", email), ("ANONYMOUS_ID", anon))
    assert merged["merged"] and merged["profile"]["id"] == known["id"]
    during = state(hub, known["id"])
    assert len(during["events"]) == 3 and len(during["identifiers"]) == 2
    # A later event sent with the merged-in identifier belongs to it after the split.
    late = unique("late-")
    track(hub, hub.kiosk_key, [view(late, "ANONYMOUS_ID", anon, skus[0], "KIOSK")])

    merges = hub.gql(MERGES, {"id": known["id"]}, key=agent)["data"]["profile"]["merges"]
    assert merges[0]["mergedId"] == other["id"] and merges[0]["identifiersMoved"] == 1
    split = hub.gql(SPLIT, {"m": merges[0]["id"]}, key=agent)["data"]["splitProfile"]
    assert split["userErrors"] == [] and split["restored"]["id"] == other["id"]

    after_known, after_other = state(hub, known["id"]), state(hub, other["id"])
    assert after_known == before[known["id"]]
    late_events = [e for e in after_other["events"] if e["messageId"] == late]
    assert len(late_events) == 1
    after_other["events"] = [e for e in after_other["events"] if e["messageId"] != late]
    # The late view also taught the restored profile something; compare the rest exactly.
    for doc in (after_other, before[other["id"]]):
        doc.pop("learnedInterests")
    assert after_other == before[other["id"]]

    again = hub.gql(SPLIT, {"m": merges[0]["id"]}, key=agent)["data"]["splitProfile"]
    assert again["userErrors"][0]["code"] == "CONFLICT"
    web = hub.gql(SPLIT, {"m": merges[0]["id"]}, key=hub.web_key)["data"]["splitProfile"]
    assert web["userErrors"][0]["code"] == "FORBIDDEN"


def test_a_merge_adds_shared_interests_and_moves_the_others(hub: HubHandle) -> None:
    """Learned interests are keyed by profile, key and value: a facet both profiles learned
    becomes one interest with both counts, the rest move over, nothing stays behind."""
    email, anon = f"{unique()}@example.com", unique("anon-")
    shared, only_theirs = some_skus(hub, 2)
    known = identify(hub, hub.web_key, "WEB", ("EMAIL", email))["profile"]
    track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, shared, "WEB")])
    track(
        hub,
        hub.kiosk_key,
        [view(unique("m"), "ANONYMOUS_ID", anon, s, "KIOSK") for s in (shared, only_theirs)],
    )
    other = identify(hub, hub.kiosk_key, "KIOSK", ("ANONYMOUS_ID", anon))["profile"]
    mine, theirs = state(hub, known["id"]), state(hub, other["id"])

    merged = identify(hub, hub.web_key, "WEB", ("EMAIL", email), ("ANONYMOUS_ID", anon))
    assert merged["merged"] and merged["profile"]["id"] == known["id"]
    views: dict[tuple[str, str], int] = {}
    for doc in (mine, theirs):
        for interest in doc["learnedInterests"]:
            facet = (interest["key"], interest["value"])
            views[facet] = views.get(facet, 0) + interest["views"]
    after = {
        (i["key"], i["value"]): i["views"] for i in state(hub, known["id"])["learnedInterests"]
    }
    assert after == views
    assert after[("product", shared)] == 2 and after[("product", only_theirs)] == 1
    agent = hub.agent_token()
    merges = hub.gql(MERGES, {"id": known["id"]}, key=agent)["data"]["profile"]["merges"]
    split = hub.gql(SPLIT, {"m": merges[0]["id"]}, key=agent)["data"]["splitProfile"]
    assert split["userErrors"] == []
    assert state(hub, known["id"])["learnedInterests"] == mine["learnedInterests"]
    assert state(hub, other["id"])["learnedInterests"] == theirs["learnedInterests"]


def test_agent_links_two_profiles_and_resolves_the_conflict(hub: HubHandle) -> None:
    device = unique("dev-")
    first = identify(
        hub, hub.kiosk_key, "KIOSK", ("EMAIL", f"{unique()}@example.com"), ("DEVICE_ID", device)
    )["profile"]
    second = identify(
        hub,
        hub.kiosk_key,
        "KIOSK",
        ("PHONE", drama_phone()),
        ("DEVICE_ID", device),
    )
    assert second["conflicts"] == 1
    agent = hub.agent_token()
    conflicts = hub.gql("{ identityConflicts { value profileIds status } }", key=agent)
    assert any(c["value"] == device for c in conflicts["data"]["identityConflicts"])
    linked = hub.gql(LINK, {"ids": [first["id"], second["profile"]["id"]]}, key=agent)["data"][
        "linkProfiles"
    ]
    assert linked["userErrors"] == []
    assert linked["profile"]["id"] == first["id"]
    assert {i["kind"] for i in linked["profile"]["identifiers"]} == {"EMAIL", "PHONE", "DEVICE_ID"}
    assert linked["merges"][0]["reason"] == f"linked by agent:{hub.agent_username}"
    conflicts = hub.gql("{ identityConflicts { value } }", key=agent)
    assert all(c["value"] != device for c in conflicts["data"]["identityConflicts"])
    bad = hub.gql(LINK, {"ids": [first["id"]]}, key=agent)["data"]["linkProfiles"]
    assert bad["userErrors"][0]["code"] == "REQUIRED"
    missing = hub.gql(LINK, {"ids": [first["id"], "nope"]}, key=agent)["data"]["linkProfiles"]
    assert missing["userErrors"][0] == {
        "field": ["profileIds", "1"],
        "code": "NOT_FOUND",
        "message": "There is no profile “nope”.",
    }


DUPLICATES = """{ possibleDuplicates { id reason evidence profileIds } }"""
DISMISS = """mutation($id: ID!) { dismissDuplicate(id: $id) { dismissed
  userErrors { field code message } } }"""


def test_possible_duplicates_are_queued_with_evidence(hub: HubHandle) -> None:
    agent = hub.agent_token()
    last = "Quist" + unique()[-5:]
    postcode = "SW1A 1AA"
    a = identify(
        hub,
        hub.web_key,
        "WEB",
        ("EMAIL", f"{unique()}@example.com"),
        firstName="Hal",
        lastName=last,
        postcode=postcode.lower(),
    )["profile"]
    b = identify(
        hub,
        hub.kiosk_key,
        "KIOSK",
        ("LOYALTY_ID", unique("L").upper()),
        firstName="hal",
        lastName=last.upper(),
        postcode=postcode,
    )["profile"]
    local = "harold.quist" + unique()[-4:]
    c = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{local}@example.org"))["profile"]
    d = identify(hub, hub.web_key, "WEB", ("EMAIL", f"{local}x@example.org"))["profile"]

    queue = hub.gql(DUPLICATES, key=agent)["data"]["possibleDuplicates"]
    by_pair = {frozenset(q["profileIds"]): q for q in queue}
    same = by_pair[frozenset({a["id"], b["id"]})]
    assert same["reason"] == "SAME_NAME_AND_POSTCODE"
    assert same["evidence"]["postcode"] == postcode
    typo = by_pair[frozenset({c["id"], d["id"]})]
    assert typo["reason"] == "SIMILAR_EMAIL" and typo["evidence"]["similarity"] >= 90

    assert hub.gql(DISMISS, {"id": typo["id"]}, key=agent)["data"]["dismissDuplicate"] == {
        "dismissed": True,
        "userErrors": [],
    }
    again = hub.gql(DISMISS, {"id": typo["id"]}, key=agent)["data"]["dismissDuplicate"]
    assert again["userErrors"][0]["code"] == "CONFLICT"
    identify(hub, hub.web_key, "WEB", ("EMAIL", f"{local}x@example.org"), firstName="Harold")
    queue = hub.gql(DUPLICATES, key=agent)["data"]["possibleDuplicates"]
    assert frozenset({c["id"], d["id"]}) not in {frozenset(q["profileIds"]) for q in queue}, (
        "a dismissed pair is not raised again"
    )

    linked = hub.gql(LINK, {"ids": [a["id"], b["id"]]}, key=agent)["data"]["linkProfiles"]
    assert linked["userErrors"] == []
    queue = hub.gql(DUPLICATES, key=agent)["data"]["possibleDuplicates"]
    assert frozenset({a["id"], b["id"]}) not in {frozenset(q["profileIds"]) for q in queue}
    refused = hub.gql(DUPLICATES, key=hub.web_key)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    missing = hub.gql(DISMISS, {"id": "12345678"}, key=agent)["data"]["dismissDuplicate"]
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"


def test_split_gives_back_the_profiles_merged_into_the_restored_one(hub: HubHandle) -> None:
    agent = hub.agent_token()
    c_anon, b_email = unique("anon-"), f"{unique()}@example.com"
    a = identify(
        hub,
        hub.web_key,
        "WEB",
        ("PHONE", "+4477009" + "".join(ch for ch in unique() if ch.isdigit())[:5].ljust(5, "2")),
    )["profile"]
    c = identify(hub, hub.web_key, "WEB", ("ANONYMOUS_ID", c_anon))["profile"]
    b = identify(hub, hub.web_key, "WEB", ("EMAIL", b_email), ("ANONYMOUS_ID", c_anon))["profile"]
    linked = hub.gql(LINK, {"ids": [a["id"], b["id"]]}, key=agent)["data"]["linkProfiles"]
    survivor = linked["profile"]["id"]
    assert survivor == a["id"], "the older known profile survives"
    assert (
        hub.gql("query($id:ID!){profile(id:$id){id}}", {"id": c["id"]})["data"]["profile"]["id"]
        == survivor
    )
    merge = linked["merges"][0]["id"]
    split = hub.gql(SPLIT, {"m": merge}, key=agent)["data"]["splitProfile"]
    assert split["userErrors"] == []
    restored = split["restored"]["id"]
    assert (
        hub.gql("query($id:ID!){profile(id:$id){id}}", {"id": c["id"]})["data"]["profile"]["id"]
        == restored
    ), "the anonymous visit goes back with the profile it joined"


def test_different_people_on_one_device_answers_the_shared_device_conflict(
    hub: HubHandle,
) -> None:
    device = unique("dev-")
    first = identify(
        hub, hub.kiosk_key, "KIOSK", ("EMAIL", f"{unique()}@example.com"), ("DEVICE_ID", device)
    )["profile"]
    second = identify(hub, hub.kiosk_key, "KIOSK", ("PHONE", drama_phone()), ("DEVICE_ID", device))[
        "profile"
    ]
    agent = hub.agent_token()
    pair = frozenset({first["id"], second["id"]})
    queue = hub.gql(DUPLICATES, key=agent)["data"]["possibleDuplicates"]
    shared = next(q for q in queue if frozenset(q["profileIds"]) == pair)
    assert shared["reason"] == "SHARED_DEVICE" and shared["evidence"]["value"] == device
    dismissed = hub.gql(DISMISS, {"id": shared["id"]}, key=agent)["data"]["dismissDuplicate"]
    assert dismissed == {"dismissed": True, "userErrors": []}
    conflicts = hub.gql("{ identityConflicts { value } }", key=agent)["data"]["identityConflicts"]
    assert device not in {c["value"] for c in conflicts}
    # Nothing merged: two people, two profiles.
    assert hub.gql(MERGES, {"id": first["id"]}, key=agent)["data"]["profile"]["merges"] == []
