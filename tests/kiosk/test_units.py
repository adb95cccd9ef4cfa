"""The kiosk's pure parts: masking, identifier kinds, schema capabilities, SSE framing."""

from __future__ import annotations

from clients.kiosk.hub_client import Capabilities, _type_ref
from clients.kiosk.live import notice_html, sse
from clients.kiosk.masking import mask_email, mask_identifier, mask_phone
from clients.kiosk.visit import guess_kind


def test_contact_data_is_masked() -> None:
    assert mask_email("anna.k@example.com") == "a***@example.com"
    assert mask_email("a***@example.com") == "a***@example.com"
    assert mask_phone("+447700900123") == "*** *** 0123"
    assert mask_identifier("LOYALTY_ID", "KT123456") == "••••3456"
    assert "example" not in mask_identifier("PHONE", "07700 900123")


def test_identifier_kind_follows_the_choice_and_obvious_shapes() -> None:
    assert guess_kind("anna@example.com", "LOYALTY_ID") == "EMAIL"
    assert guess_kind("07700 900123", "PHONE") == "PHONE"
    assert guess_kind("07700 900123", "") == "PHONE"
    assert guess_kind("KT1234", "") == "LOYALTY_ID"
    assert guess_kind("12345678", "LOYALTY_ID") == "LOYALTY_ID"


def test_capabilities_read_an_introspected_schema() -> None:
    ref = {
        "kind": "NON_NULL",
        "name": None,
        "ofType": {
            "kind": "LIST",
            "name": None,
            "ofType": {
                "kind": "NON_NULL",
                "name": None,
                "ofType": {"kind": "INPUT_OBJECT", "name": "EventInput"},
            },
        },
    }
    assert _type_ref(ref) == "[EventInput!]!"
    schema = {
        "types": [
            {
                "name": "Profile",
                "kind": "OBJECT",
                "fields": [
                    {"name": "firstName", "type": {"kind": "SCALAR", "name": "String"}, "args": []}
                ],
            },
            {"name": "EventType", "kind": "ENUM", "fields": None, "enumValues": [{"name": "VIEW"}]},
        ]
    }
    caps = Capabilities.from_schema(schema)
    assert caps.has("Profile.firstName") and not caps.has("Profile.recommendations")
    assert caps.pick("Profile", "firstName", "recommendations") == "firstName"
    assert caps.enum_has("EventType", "VIEW") and not caps.enum_has("EventType", "SURVEY")


def test_server_sent_events_are_framed_and_notices_say_only_where() -> None:
    assert sse("notice", "a\nb") == "event: notice\ndata: a\ndata: b\n\n"
    note = notice_html({"touchpoint": "CALL_CENTER", "summary": "anna@example.com"})
    assert "customer team" in note and "example.com" not in note
