"""A wrong merge is undone exactly; agents link profiles they confirm are one person."""

from __future__ import annotations

from typing import Any

from tests.conftest import HubHandle, unique
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


def test_agent_links_two_profiles_and_resolves_the_conflict(hub: HubHandle) -> None:
    device = unique("dev-")
    first = identify(
        hub, hub.kiosk_key, "KIOSK", ("EMAIL", f"{unique()}@example.com"), ("DEVICE_ID", device)
    )["profile"]
    second = identify(
        hub,
        hub.kiosk_key,
        "KIOSK",
        ("PHONE", "+447700900" + "".join(c for c in unique() if c.isdigit())[:3].ljust(3, "1")),
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
