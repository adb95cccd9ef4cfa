"""The input gate refuses a JSON \\u0000 escape wherever it stands, and only that: an escaped
backslash followed by the letters "u0000" is ordinary text. And the check every text field
gets for control characters answers by Unicode category."""

from __future__ import annotations

import json
import unicodedata

import pytest
from graphql import parse

from hub.api.input_gate import BadInput, check_message, nul_in_document
from hub.errors import has_control_characters


@pytest.mark.parametrize(
    ("raw", "refused"),
    [
        (rb'{"a": "x\u0000"}', True),
        (rb'{"a": "\u0000"}', True),
        (rb'{"a": "x\\\u0000"}', True),  # an escaped backslash, then the escape
        (rb'{"a": "x\\u0000"}', False),  # an escaped backslash, then the text "u0000"
        (rb'{"a": "x\\\\u0000"}', False),
        (rb'{"a": "u0000 \\ 0000"}', False),
        (b'{"a": "x\x00"}', True),  # a raw NUL byte
    ],
)
def test_nul_escapes(raw: bytes, refused: bool) -> None:
    if refused:
        with pytest.raises(BadInput) as error:
            check_message(raw, 1000, 8)
        assert error.value.code == "INVALID"
    else:
        assert isinstance(check_message(raw, 1000, 8), dict)


def test_a_big_body_without_escapes_passes() -> None:
    events = ",".join('{"messageId": "m%d", "type": "VIEW"}' % i for i in range(2000))
    raw = ('{"query": "mutation", "variables": {"e": [%s]}}' % events).encode()
    assert len(check_message(raw, 10**6, 8)["variables"]["e"]) == 2000


@pytest.mark.parametrize(
    ("document", "refused"),
    [
        (r'{ products(search: "a\u0000") { sku } }', True),
        (r'{ products(search: "a\u{0}") { sku } }', True),
        (r'mutation { addNote(profileId: "p", text: "\u{000000}") { note { id } } }', True),
        (r'{ products(search: "a\\u0000") { sku } }', False),  # a backslash, then "u0000"
        (r'{ products(search: """a\u0000""") { sku } }', False),  # block strings keep escapes
        (r'{ products(search: "\u00e9") { sku } }', False),
        ('{ products(search: "plain") { sku } }', False),
    ],
)
def test_nul_written_inside_the_graphql_document(document: str, refused: bool) -> None:
    """JSON's check cannot see these: in the body they are an escaped backslash and letters."""
    assert nul_in_document(document, parse(document)) is refused


def test_the_control_character_check_holds_for_every_code_point() -> None:
    """The printable fast path answers as the check by Unicode category does, for each
    code point alone and between printable letters, with and without allowed characters."""

    def by_category(text: str, allowed: str = "") -> bool:
        return any(unicodedata.category(ch)[0] == "C" and ch not in allowed for ch in text)

    for point in range(0x110000):
        ch = chr(point)
        assert has_control_characters(ch) is by_category(ch), hex(point)
        assert has_control_characters(f"a{ch}b", "\n\t") is by_category(f"a{ch}b", "\n\t")
    assert not has_control_characters("line\n\tnext", allowed="\n\t")
    assert has_control_characters("gnp\u202e.exe") and has_control_characters("\x1b[2J")


@pytest.mark.parametrize(
    "number",
    ["0", "-7", "2.5", "1e30", "1E-7", "9223372036854775807", "-9223372036854775808",
     "18446744073709551615", "18446744073709551616", "-9223372036854775809", "10" + "0" * 29,
     "123456789012345678.5", "0.12345678901234567890123"],
)  # fmt: skip
def test_a_checked_message_holds_what_the_stdlib_reads(number: str) -> None:
    """orjson checks the text, but the value handed on is the stdlib's: an integer beyond 64
    bits stays that integer (orjson would read it as a float)."""
    raw = f'{{"variables": {{"n": {number}, "list": [{number}]}}}}'.encode()
    assert repr(check_message(raw, 1000, 8)) == repr(json.loads(raw))


def test_a_long_integer_nested_deeper_than_the_stdlib_reads_is_refused_in_words() -> None:
    """With the depth limit set high, orjson reads a thousand levels but the stdlib's parse
    (taken for a long integer) cannot: refused as too deep, not a RecursionError."""
    raw = ("[" * 1000 + "1" + "0" * 25 + "]" * 1000).encode()
    with pytest.raises(BadInput) as error:
        check_message(raw, 1_000_000, 2000)
    assert error.value.code == "TOO_DEEP"
