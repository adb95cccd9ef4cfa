"""Masking for shared screens, export, erase with suppression."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from hub import models as all_models
from hub.db import create_engine
from tests.conftest import HubHandle, drama_phone, unique
from tests.hub.gql import IDENTIFY, PROFILE_BY_ID
from tests.hub.test_identity_e2e import identify, some_skus, track, view

EXPORT = "mutation($id:ID!){exportProfile(profileId:$id){document userErrors{code}}}"
ERASE = (
    "mutation($id:ID!){eraseProfile(profileId:$id){erased suppressedIdentifiers userErrors{code}}}"
)


def test_kiosk_sees_masked_contact_data(hub: HubHandle) -> None:
    email, phone = f"{unique()}@example.com", drama_phone()
    kiosk = identify(
        hub, hub.kiosk_key, "KIOSK", ("EMAIL", email), ("PHONE", phone), firstName="Jo"
    )["profile"]
    shown = {i["kind"]: i for i in kiosk["identifiers"]}
    assert shown["EMAIL"]["value"] == f"{email[0]}***@example.com" and shown["EMAIL"]["masked"]
    assert shown["PHONE"]["value"] == "*** *** " + phone[-4:].replace(" ", "")[-4:]
    full = hub.gql(PROFILE_BY_ID, {"id": kiosk["id"]}, key=hub.kiosk_key)["data"]["profile"]
    text = str(full)
    assert email not in text and phone.replace(" ", "")[-6:] not in text
    admin = hub.gql(PROFILE_BY_ID, {"id": kiosk["id"]})["data"]["profile"]
    assert email in str(admin)


def test_export_of_a_merged_profile_holds_everything(hub: HubHandle) -> None:
    anon, email = unique("anon-"), f"{unique()}@example.com"
    sku = some_skus(hub, 1)[0]
    track(hub, hub.web_key, [view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB")])
    identify(hub, hub.web_key, "WEB", ("EMAIL", email))
    merged = identify(hub, hub.web_key, "WEB", ("EMAIL", email), ("ANONYMOUS_ID", anon))
    assert merged["merged"]
    document = hub.gql(EXPORT, {"id": merged["profile"]["id"]})["data"]["exportProfile"]["document"]
    assert {(i["kind"], i["value"]) for i in document["identifiers"]} == {
        ("EMAIL", email),
        ("ANONYMOUS_ID", anon),
    }
    assert [e["productSku"] for e in document["events"]] == [sku]
    assert len(document["profile"]["mergedProfileIds"]) == 1
    assert document["learnedInterests"]


def test_erase_removes_the_person_and_keeps_them_out(hub: HubHandle) -> None:
    email = f"{unique()}@example.com"
    profile = identify(hub, hub.web_key, "WEB", ("EMAIL", email), firstName="Erin")["profile"]
    sku = some_skus(hub, 1)[0]
    track(hub, hub.web_key, [view(unique("m"), "EMAIL", email, sku, "WEB")])
    erased = hub.gql(ERASE, {"id": profile["id"]})["data"]["eraseProfile"]
    assert erased == {"erased": True, "suppressedIdentifiers": 1, "userErrors": []}
    assert hub.gql(PROFILE_BY_ID, {"id": profile["id"]})["data"]["profile"] is None
    again = hub.gql(
        IDENTIFY,
        {"input": {"identifiers": [{"kind": "EMAIL", "value": email}], "touchpoint": "WEB"}},
    )["data"]["identify"]
    assert again["profile"] is None and again["userErrors"][0]["code"] == "SUPPRESSED"
    late = track(hub, hub.web_key, [view(unique("m"), "EMAIL", email.upper(), sku, "WEB")])
    assert late["accepted"] == 0
    found = hub.gql(
        "query($v:String!){profile(identifier:{kind:EMAIL,value:$v}){id}}", {"v": email}
    )
    assert found["data"]["profile"] is None, "a late event did not recreate the person"


def test_erasure_leaves_no_row_behind(hub: HubHandle) -> None:
    """Walk every table that holds a profile id: nothing of the erased customer remains."""

    email, anon = f"{unique()}@example.com", unique("anon-")
    sku = some_skus(hub, 1)[0]
    track(hub, hub.web_key, [view(unique("m"), "ANONYMOUS_ID", anon, sku, "WEB")])
    merged = identify(
        hub, hub.web_key, "WEB", ("EMAIL", email), ("ANONYMOUS_ID", anon), firstName="Gone"
    )["profile"]
    pid = merged["id"]
    agent = hub.agent_token()
    hub.gql(
        'mutation($id:ID!){addNote(profileId:$id,text:"call back"){userErrors{code}}}',
        {"id": pid},
        key=agent,
    )
    hub.gql(
        """mutation($id:ID!){setConsent(profileId:$id,purpose:ANALYTICS,granted:false,
      touchpoint:WEB){userErrors{code}}}""",
        {"id": pid},
    )
    hub.gql(
        """mutation($id:ID!,$s:String!){forgetInterest(profileId:$id,key:"product",value:$s,
      touchpoint:WEB){userErrors{code}}}""",
        {"id": pid, "s": sku},
    )
    hub.gql(PROFILE_BY_ID, {"id": pid}, key=agent)
    family = [
        pid,
        *[
            m["mergedId"]
            for m in hub.gql(
                "query($id:ID!){profile(id:$id){merges{mergedId}}}", {"id": pid}, key=agent
            )["data"]["profile"]["merges"]
        ],
    ]
    assert len(family) == 2
    assert hub.gql(ERASE, {"id": pid})["data"]["eraseProfile"]["erased"] is True

    async def leftovers() -> dict[str, int]:
        engine = create_engine(hub.database_url)
        found: dict[str, int] = {}
        try:
            async with engine.connect() as conn:
                for table in all_models.Base.metadata.sorted_tables:
                    for column in ("profile_id", "profile_a", "profile_b", "buyer_profile_id"):
                        if column not in table.c or table.name == "audit_log":
                            continue
                        count = (
                            await conn.execute(
                                text(
                                    f"SELECT count(*) FROM {table.name} WHERE {column} IN (:a, :b)"
                                ),
                                {"a": family[0], "b": family[1]},
                            )
                        ).scalar()
                        if count:
                            found[f"{table.name}.{column}"] = int(count)
                kept = (
                    (
                        await conn.execute(
                            text("SELECT detail FROM audit_log WHERE profile_id IN (:a, :b)"),
                            {"a": family[0], "b": family[1]},
                        )
                    )
                    .scalars()
                    .all()
                )
                if any(d not in ("(erased)", "Profile erased") for d in kept):
                    found["audit_log.detail"] = len(kept)
                names = (
                    await conn.execute(
                        text(
                            "SELECT count(*) FROM profiles WHERE id IN (:a, :b) AND "
                            "(first_name IS NOT NULL OR erased_at IS NULL)"
                        ),
                        {"a": family[0], "b": family[1]},
                    )
                ).scalar()
                if names:
                    found["profiles"] = int(names)
        finally:
            await engine.dispose()
        return found

    assert asyncio.run(leftovers()) == {}
