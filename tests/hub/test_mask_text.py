"""The free-text rule shared screens rely on: contact details masked, everything else intact."""

from __future__ import annotations

import pytest

from hub.handoff.qr import qr_svg
from hub.masks import looks_like_contact, mask_json, mask_postcode, mask_text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("call me at jane@example.com", "call me at j***@example.com"),
        ("07700 900456", "*** *** 0456"),
        ("call me on 07700 900456 after 5", "call me on *** *** 0456 after 5"),
        ("ring 07700900456.", "ring *** *** 0456."),
        ("+44 7700 900456", "*** *** 0456"),
        ("+44 (0)20 7946 0958", "*** *** 0958"),
        ("(020) 7946 0958", "*** *** 0958"),
        ("Jane's wedding (07700 900456)", "Jane's wedding (*** *** 0456)"),
        ("(+44 7700 900456)", "(*** *** 0456)"),
        ("0044-7700-900-456", "*** *** 0456"),
        ("555.123.4567", "*** *** 4567"),
        ("01 23 45 67 89", "*** *** 6789"),
        ("tel:+14155552671", "tel:*** *** 2671"),
        ("Tel.07700 900456", "Tel.*** *** 0456"),
        ("Mob:07700-900-456", "Mob:*** *** 0456"),
        ("07700 900456\nthanks", "*** *** 0456\nthanks"),
        # Cut short (a summary keeps 60 characters), an address is still an address.
        ("write to jane.doe@examp", "write to j***@examp"),
        ("write to jöhn@example.com", "write to j***@example.com"),
        # Two numbers side by side are two numbers, each masked.
        ("07700 900456 07700 900457", "*** *** 0456 *** *** 0457"),
        # A date next to a number hides neither the number nor itself.
        ("2010-12-01 07700 900456", "2010-12-01 *** *** 0456"),
        ("07700 900456 on 2010-12-01", "*** *** 0456 on 2010-12-01"),
        # Typed with a CJK keyboard, or laid out by a word processor or a phone's contacts.
        ("jane\uff20example.com", "j***\uff20example.com"),
        ("jane\ufe6bexample.com", "j***\ufe6bexample.com"),
        ("07700\u2009900\u2009456", "*** *** 0456"),
        ("06\u202f12\u202f34\u202f56\u202f78", "*** *** 5678"),
        ("07700\u2013900\u2013456", "*** *** 0456"),
        ("\uff0b44 7700 900456", "*** *** 0456"),
        ("\uff08020\uff09 7946 0958", "*** *** 0958"),
        (
            "\uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff14\uff15\uff16",
            "*** *** \uff10\uff14\uff15\uff16",
        ),
        ("2010\u201312\u201301 07700 900456", "2010\u201312\u201301 *** *** 0456"),
    ],
)
def test_contact_details_in_text_are_masked(text: str, shown: str) -> None:
    assert mask_text(text) == shown
    assert looks_like_contact(text)
    assert mask_text(shown) == shown, "masking twice changes nothing"


@pytest.mark.parametrize(
    "text",
    [
        "SET OF 12 FAIRY CAKE BAKING CASES",
        "JUMBO BAG RED RETROSPOT",
        "PACK OF 72 RETROSPOT CAKE CASES",
        "85123A",
        "84029E 22752",
        "£1,234.56",
        "12.99",
        "Spent 1,234.56 over 12 orders",
        "2010-12-01",
        "2010-12-01 08:26:00",
        "2010-12-01T08:26:00+00:00",
        "2010-12-01 08:26:00.123456+00:00",
        "01/12/2010 08:26",
        "01.12.2010 08.26",
        "1 December 2010",
        "You bought it 3 times; most recently on 1 December 2010",
        "Bought 3 times since 2010",
        "Bought 12 × SET OF 12 FAIRY CAKE BAKING CASES in store",
        "j***@example.com",
        "*** *** 1234",
        "RAP-7K3Q",
        "K7Q-M3P",
        "123456",  # a one-time code
        "536365",  # an invoice
        "rss_m0123456789-_0123456789abcdefghij",  # a token
        "01a23d31961cf60189d5e79200ea8c23",  # an id
        "0123456789abcdef0123",  # a recommendation id
        "12345678901234567890",  # an id of digits only
        "12345678-1234-abcd-1234-123456789012",  # a device id
        "v1.2.3",
        "3.14159265358979",
        "51.5073509, -0.1277583",
        "ab-123456789012",
        "2 for £5 @ the till",
        "Gift registry “Anna & Tom's wedding” created (RAP-7K3Q)",
        "2010\u201312\u201301",
        "ab\u2013123456789012",
        "Order 2010-12-01 \u2013 12 \u00d7 900 items",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert mask_text(text) == text
    assert not looks_like_contact(text)


def test_qr_codes_survive() -> None:
    for code in ("K7Q-M3P", "ABC-234", "http://shop.example/continue/K7Q-M3P", "RAP-7K3Q"):
        svg = qr_svg(code)
        assert mask_text(svg) == svg


def test_json_is_masked_through() -> None:
    document = {
        "note": "write to jane@example.com",
        "list": ["07700 900456", 3, None, {"jane@example.com": True}],
        "price": 12.5,
        "when": "2010-12-01 08:26:00",
    }
    assert mask_json(document) == {
        "note": "write to j***@example.com",
        "list": ["*** *** 0456", 3, None, {"j***@example.com": True}],
        "price": 12.5,
        "when": "2010-12-01 08:26:00",
    }


@pytest.mark.parametrize(
    ("postcode", "shown"),
    [
        ("SW1A 1AA", "SW1A ***"),
        ("sw1a1aa", "SW1A ***"),
        ("M1 1AE", "M1 ***"),
        ("B33 8TH", "B33 ***"),
        ("EC1A 1BB", "EC1A ***"),
        ("75001", "75***"),
        ("10115", "10***"),
        ("D02 X285", "D02 ***"),
        ("K1A 0B1", "K1A ***"),
        ("1012 AB", "1012 ***"),
        ("12", "***"),
    ],
)
def test_a_postcode_shows_its_district_only(postcode: str, shown: str) -> None:
    assert mask_postcode(postcode) == shown
