"""The input gate refuses a JSON \\u0000 escape wherever it stands, and only that: an escaped
backslash followed by the letters "u0000" is ordinary text."""

from __future__ import annotations

import pytest
from graphql import parse

from hub.api.input_gate import BadInput, check_message, nul_in_document


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
