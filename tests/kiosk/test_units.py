"""The kiosk's pure parts: masking, identifier kinds, SSE framing, banners."""

from __future__ import annotations

import pytest

from clients.kiosk import shopper
from clients.kiosk.banner import EVERYONE, banner_view, kiosk_path
from clients.kiosk.hub_api.enums import EventType
from clients.kiosk.hub_api.for_you import ForYouProfileRecommendations
from clients.kiosk.hub_client import HubError
from clients.kiosk.live import notice_html, sse
from clients.kiosk.masking import mask_email, mask_identifier, mask_phone
from clients.kiosk.sessions import Visit
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


def test_inputs_are_typed_and_answers_keep_the_schemas_names() -> None:
    event = shopper.event(
        Visit(id="v", anonymous_id="kiosk-1"), EventType.VIEW, sku="85123A", properties={"a": 1}
    )
    assert event.identifier.kind == "ANONYMOUS_ID" and event.product_sku == "85123A"
    with pytest.raises(HubError):
        shopper.identifier({"kind": "NOT_A_KIND", "value": "x"})
    with pytest.raises(HubError):
        shopper.consent_purpose("EVERYTHING")
    answer = ForYouProfileRecommendations.model_validate(
        {
            "score": 1.0,
            "reason": "Because you looked",
            "recommendationId": "r1",
            "personal": True,
            "product": {
                "sku": "85123A",
                "name": "HEART",
                "price": 2.55,
                "description": "",
                "inStock": True,
                "tags": [],
                "category": None,
            },
        }
    )
    plain = shopper.plain(answer)
    assert plain["recommendationId"] == "r1" and plain["product"]["inStock"] is True


def test_a_flood_of_visits_pushes_out_the_longest_idle_not_the_memory() -> None:
    """Each POST to /browse or /identify starts a visit; a client starting them by the
    thousand grew the store without bound (and each request scanned them all)."""
    from starlette.requests import Request

    from clients.kiosk.sessions import COOKIE, VisitStore

    def asking(visit_id: str) -> Request:
        cookie = f"{COOKIE}={visit_id}".encode()
        return Request({"type": "http", "headers": [(b"cookie", cookie)]})

    store = VisitStore(max_idle_seconds=3600)
    screen = store.start()
    for _ in range(VisitStore.MAX_VISITS // 2):
        store.start()
    assert store.get(asking(screen.id)) is screen  # the kiosk's screen, seen again
    for _ in range(VisitStore.MAX_VISITS):
        store.start()
    assert len(store) == VisitStore.MAX_VISITS
    assert store.get(asking(screen.id)) is None, "the longest idle goes first"
    kept = store.start()
    for _ in range(VisitStore.MAX_VISITS - 1):
        store.get(asking(kept.id))
        store.start()
    assert store.get(asking(kept.id)) is kept, "a screen in use is not pushed out"

    idle = VisitStore(max_idle_seconds=0.0)
    idle.start()
    idle.start()
    assert idle.get(asking("none")) is None and len(idle) == 0, "idle visits expire"


def test_invisible_format_characters_are_dropped_and_hide_no_contact() -> None:
    from clients.kiosk.masking import looks_like_contact, without_format_characters

    assert without_format_characters("\u202ebag\u2066x\u2069\u200e\u200f\u200b\u00ad") == "bagx"
    assert without_format_characters("Crème brûlée") == "Crème brûlée"
    assert looks_like_contact("07700\u200b\u200b\u200b\u200b900123")
    assert looks_like_contact("07700\u2066\u2069\u200e\u200f900123")
    assert not looks_like_contact("\u202ebag")
