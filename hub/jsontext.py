"""JSON text by orjson (several times the speed of the stdlib's `json`) wherever it gives what
the stdlib gives, and by the stdlib elsewhere, so that no value changes on the way.

Where the two differ: orjson reads an integer beyond 64 bits as a float (10**30 as 1e+30),
refuses an escaped lone surrogate and NaN, and will not write integers beyond 64 bits, lone
surrogates or keys that are not strings.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Each byte as what it is to a number: digits as b"0"; what may stand right before a number
# (or its minus sign) in JSON as b"p"; anything else as b"x".
_MARKS = bytes(
    ord("0") if chr(b).isdigit() and b < 128 else ord("p") if chr(b) in ":[,- \t\n\r" else ord("x")
    for b in range(256)
)
_LONG_NUMBER = b"p" + b"0" * 19


def may_hold_long_integer(raw: bytes) -> bool:
    """Whether `raw` may hold a number of 19 digits or more (an integer beyond 64 bits, which
    orjson would read as a float): a run of digits after what may come before a number. A
    run inside a string (a message id's hex digits) does not count, unless a colon, comma,
    bracket, minus or space stands before it (then the answer is a cautious yes)."""
    return _LONG_NUMBER in b"p" + raw.translate(_MARKS)


def exactly(raw: bytes, parsed: Any) -> Any:
    """`parsed`, orjson's value of `raw` (which the caller has already checked), as the
    stdlib's `json` reads it: `raw` read again by the stdlib where a long integer may stand,
    so that the integer sent, not orjson's float, is what comes out. RecursionError when that
    read meets nesting the stdlib cannot follow (near a thousand levels; orjson reads 1,024)."""
    return json.loads(raw) if may_hold_long_integer(raw) else parsed


def loads(text: str | bytes) -> Any:
    """`json.loads(text)`, by orjson where that gives the same value."""
    # (surrogatepass: a text holding a lone surrogate itself, which orjson then refuses)
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if may_hold_long_integer(raw):
        return json.loads(text)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(text)  # an escaped lone surrogate, NaN: read, or refused, as before


def dumps(value: Any) -> str:
    """Compact JSON text of a value made of text, integers, booleans, None, lists and dicts
    with text keys (not floats: orjson writes NaN as null), as `json.dumps` with
    `separators=(",", ":")` would read back."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"))
