"""The kiosk's pure parts: masking, identifier kinds, schema capabilities, SSE framing, banners."""

from __future__ import annotations

from clients.kiosk.banner import EVERYONE, banner_view, kiosk_path
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


def test_a_banner_links_only_to_the_kiosks_own_pages() -> None:
    assert kiosk_path("/c/christmas") == "/c/christmas"
    assert kiosk_path(" /search?q=lantern ") == "/search?q=lantern"
    assert kiosk_path("/picks#top") == "/picks"
    for outside in (
        "https://example.com/offer",
        "http://127.0.0.1:8100/home",
        "//example.com/c/x",
        "///example.com/c/x",
        "/\\example.com/c/x",
        "javascript:alert(1)",
        "java\tscript:alert(1)",
        "c/christmas",
        "/reset",
        "/events",
        "/c/../reset",
        "/c/%2e%2e/reset",
        "/me/erase/../../reset",
        "",
        None,
    ):
        assert kiosk_path(outside) is None, outside


def test_a_banner_carries_its_reason_or_is_not_shown() -> None:
    assert banner_view(None) is None
    assert banner_view({"title": ""}) is None
    everyone = banner_view({"id": "1", "title": "Welcome", "body": "Hi", "link": None})
    assert everyone is not None and everyone["reason"] == EVERYONE and everyone["href"] is None
    targeted = banner_view(
        {
            "title": "Christmas",
            "reason": "You told us you like Christmas",
            "segment": {"name": "Christmas shoppers"},
            "link": "https://example.com",
        }
    )
    assert targeted is not None
    assert targeted["reason"] == "You told us you like Christmas" and targeted["href"] is None
