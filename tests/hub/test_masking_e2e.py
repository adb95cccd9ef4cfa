"""The kiosk key never receives a full email or phone, from any field it can reach."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import HubHandle, drama_phone, unique
from tests.hub.test_identity_e2e import identify, some_skus, track

INTROSPECT = """{ __schema { types { name kind fields { name
  args { name defaultValue type { kind } }
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }"""


def _named(type_ref: dict[str, Any]) -> tuple[str, str]:
    while type_ref.get("ofType"):
        type_ref = type_ref["ofType"]
    return type_ref["kind"], type_ref["name"]


def selection(types: dict[str, Any], name: str, depth: int) -> str:
    """Every field of a type that needs no arguments, recursively (bounded)."""
    parts = []
    for field in types[name]["fields"] or []:
        if any(
            a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None for a in field["args"]
        ):
            continue
        kind, inner = _named(field["type"])
        if kind in ("SCALAR", "ENUM"):
            parts.append(field["name"])
        elif kind == "OBJECT" and depth > 0:
            sub = selection(types, inner, depth - 1)
            if sub:
                parts.append(f"{field['name']} {{ {sub} }}")
    return " ".join(parts)


def test_no_full_contact_details_reach_the_kiosk(hub: HubHandle) -> None:
    tag = drama_phone()[-3:]
    email, phone = f"mask{unique()}@example.com", f"+447700900{tag}"
    postcode = f"SW1A {tag[0]}AA"
    profile = identify(
        hub,
        hub.web_key,
        "WEB",
        ("EMAIL", email),
        ("PHONE", phone),
        firstName="Mo",
        postcode=postcode,
    )["profile"]
    track(
        hub,
        hub.web_key,
        [
            {
                "messageId": unique("m"),
                "type": "VIEW",
                "touchpoint": "WEB",
                "productSku": some_skus(hub, 1)[0],
                "identifier": {"kind": "EMAIL", "value": email},
                "properties": {"note": f"call me on 07700 900{tag} or write to {email}"},
            }
        ],
    )
    types = {
        t["name"]: t for t in hub.gql(INTROSPECT, key=hub.kiosk_key)["data"]["__schema"]["types"]
    }
    fields = selection(types, "Profile", 3)
    assert "identifiers" in fields and "properties" in fields and "traits" in fields
    queries = [
        f"query($id: ID!) {{ profile(id: $id) {{ {fields} }} }}",
        f"query($v: String!) {{ profile(identifier: {{kind: EMAIL, value: $v}}) {{ {fields} }} }}",
        f"query($id: ID) {{ recommendationCenter(profileId: $id, touchpoint: KIOSK) "
        f"{{ {selection(types, 'RecommendationCenter', 3)} }} }}",
    ]
    variables = {"id": profile["id"], "v": email}
    for document in queries:
        needed = {k: v for k, v in variables.items() if f"${k}" in document}
        body = hub.gql(document, needed, key=hub.kiosk_key)
        text = json.dumps(body)
        assert body.get("data"), body
        assert email not in text and phone not in text and f"900{tag}" not in text, document
        assert postcode not in text, document
    # Mutation payloads carry the same Profile type: masked there too.
    again = identify(hub, hub.kiosk_key, "KIOSK", ("EMAIL", email))
    assert email not in json.dumps(again) and phone not in json.dumps(again)
    # The postcode names its district only.
    shown = hub.gql(queries[0], {"id": profile["id"]}, key=hub.kiosk_key)["data"]["profile"]
    assert shown["traits"]["postcode"] == "SW1A ***"
    # The web site that named the customer sees them in full.
    full = json.dumps(hub.gql(queries[0], {"id": profile["id"]}, key=hub.web_key))
    assert email in full and postcode in full
