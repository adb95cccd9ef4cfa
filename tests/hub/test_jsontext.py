"""hub/jsontext.py: orjson's speed where it reads and writes what the stdlib's json does, the
stdlib's answer everywhere else (checked against `json` itself)."""

from __future__ import annotations

import json
import random
import uuid

import pytest

from hub import jsontext

STORED = [
    '{"tags": ["gift", "heart"]}',
    "null",
    "{}",
    '{"n": 9223372036854775807}',
    '{"n": 18446744073709551616}',
    '{"n": -100000000000000000000}',
    "[1e30, 2.5, -0.0, 1E-7]",
    '{"text": "caf\\u00e9 \\ud83c\\udf81"}',
    '{"lone": "x\\ud800y"}',
    '{"nan": NaN}',
    '{"a": 1, "a": 2}',
    "10000000000000000000000",
    '{"id": "1234567890123456789012", "n": [1, 12345678901234567890]}',
]


@pytest.mark.parametrize("stored", STORED)
def test_text_reads_back_as_the_stdlib_reads_it(stored: str) -> None:
    assert repr(jsontext.loads(stored)) == repr(json.loads(stored))
    assert repr(jsontext.loads(stored.encode())) == repr(json.loads(stored))


def test_a_long_integer_is_found_wherever_a_number_may_stand() -> None:
    digits = "1" + "0" * 21
    for text in (digits, f"-{digits}", f'{{"a":{digits}}}', f'{{"a": -{digits}}}',
                 f"[1,{digits}]", f"[\n\t{digits}]"):  # fmt: skip
        assert jsontext.may_hold_long_integer(text.encode()), text
    for text in ('{"a": 123456789012345678}', f'{{"id": "{digits}"}}', f'{{"id": "x{digits}"}}'):
        assert not jsontext.may_hold_long_integer(text.encode()), text


def test_random_bodies_parse_as_the_stdlib_parses_them() -> None:
    """Message ids of hex digits (a run of 19 decimal digits in one is common in a batch of a
    thousand) do not send a body the slow way; integers of every size read exactly."""
    rng = random.Random(16)
    for round_ in range(200):
        big = round_ % 2 == 0
        top = 2**70 if big else 10**18 - 1  # 19 digits or more: counted as may-be-long
        body = {
            "ids": [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(1000)],
            "n": [rng.randint(-top, top) for _ in range(3)] + [top],
            "f": rng.random() * 10 ** rng.randint(-30, 30),
        }
        raw = json.dumps(body).encode()
        assert jsontext.may_hold_long_integer(raw) is big
        assert repr(jsontext.loads(raw)) == repr(json.loads(raw))


@pytest.mark.parametrize(
    "value",
    [["a", "b"], [1, -(2**63)], [2**70], ["x\ud800y"], {"k": [None, True, "é"]}, {1: "a"}],
)
def test_written_text_reads_back_as_the_stdlibs_would(value: object) -> None:
    text = jsontext.dumps(value)
    assert json.loads(text) == json.loads(json.dumps(value, separators=(",", ":")))
