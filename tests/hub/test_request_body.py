"""hub.web.body: a compressed body decoded a chunk at a time, wherever the chunks break."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest

from hub.api.input_gate import BadInput
from hub.web.body import coding_of, read_body

BODY = b'{"query": "{ categories { slug } }", "variables": {"x": "' + b"ab" * 3000 + b'"}}'


def _read(chunks: list[bytes], coding: str, limit: int = 10_000) -> bytes | None:
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> dict[str, object]:
        return messages.pop(0)

    return asyncio.run(read_body(receive, limit, coding_of(coding)))


def _raw_deflate(data: bytes) -> bytes:
    encoder = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return encoder.compress(data) + encoder.flush()


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        # mtime=0: a gzip header holds the time it was made, and xdist's workers must collect
        # the same parameters.
        ("gzip", gzip.compress(BODY, mtime=0)),
        ("gzip", gzip.compress(BODY[:100], mtime=0) + gzip.compress(BODY[100:], mtime=0)),
        ("deflate", zlib.compress(BODY)),
        ("deflate", _raw_deflate(BODY)),
        ("", BODY),
    ],
    ids=["gzip", "gzip-two-members", "deflate-zlib", "deflate-raw", "plain"],
)
@pytest.mark.parametrize("size", [1, 2, 3, 64, 100_000])
def test_a_body_decodes_whatever_its_chunks(coding: str, encoded: bytes, size: int) -> None:
    chunks = [encoded[i : i + size] for i in range(0, len(encoded), size)]
    assert _read(chunks, coding) == BODY


def test_the_limit_holds_for_the_decoded_body_and_the_sent_one() -> None:
    assert _read([gzip.compress(BODY)], "gzip", limit=len(BODY)) == BODY
    with pytest.raises(BadInput) as decoded:
        _read([gzip.compress(BODY)], "gzip", limit=len(BODY) - 1)
    with pytest.raises(BadInput) as sent:
        _read([BODY], "", limit=len(BODY) - 1)
    assert decoded.value.code == sent.value.code == "TOO_LARGE"


def test_a_client_gone_midway_is_none_and_unknown_codings_are_415() -> None:
    async def gone() -> dict[str, object]:
        return {"type": "http.disconnect"}

    assert asyncio.run(read_body(gone, 100, coding_of("gzip"))) is None
    with pytest.raises(BadInput) as unread:
        coding_of("compress")
    assert unread.value.status == 415 and unread.value.headers == {
        "Accept-Encoding": "gzip, deflate"
    }
    assert coding_of(" identity ") is None and coding_of(None) is None
    assert _read([b""], "gzip") == b""  # a GET's empty body, whatever the header says
    with pytest.raises(BadInput) as cut:
        _read([gzip.compress(BODY)[:-8]], "gzip")
    assert cut.value.code == "BAD_REQUEST" and "ends early" in cut.value.message
