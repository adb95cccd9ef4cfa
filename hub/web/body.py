"""A request's body as the gate reads it: whole, within the size limit, and decoded when the
client compressed it (`Content-Encoding: gzip` or `deflate`, as Segment's and most analytics
SDKs send large `track` batches).

The limit holds for the bytes on the wire and for the decoded body alike, so a small
compressed body that would inflate past it (a "zip bomb") is refused while it is read, never
held in memory. A coding the hub does not read is refused with 415 and `Accept-Encoding`
naming those it does (RFC 7694), not read as if it were JSON."""

from __future__ import annotations

import zlib

from starlette.types import Receive

from hub.api.input_gate import BadInput, too_large

# Content codings read here: name → zlib's window bits for it.
GZIP = 16 + zlib.MAX_WBITS
CODINGS = {"gzip": GZIP, "x-gzip": GZIP, "deflate": zlib.MAX_WBITS}
ACCEPTED = "gzip, deflate"


def coding_of(header: str | None) -> int | None:
    """zlib's window bits for the body's `Content-Encoding` (None: not encoded), or BadInput
    (415) for a coding, or a chain of codings, this hub does not read."""
    names = [n.strip().lower() for n in (header or "").split(",")]
    names = [n for n in names if n and n != "identity"]
    if not names:
        return None
    if len(names) == 1 and names[0] in CODINGS:
        return CODINGS[names[0]]
    raise BadInput(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        f"Content-Encoding {header!r} is not read here: send the body as it is, or with "
        f"one of {ACCEPTED}.",
        headers={"Accept-Encoding": ACCEPTED},
    )


class _Inflater:
    """Decodes one body a chunk at a time, refusing it once the decoded bytes pass `limit`.
    gzip may hold several members one after another (RFC 1952); deflate is zlib's format
    (RFC 9110), or a raw deflate stream, which some clients send instead."""

    def __init__(self, wbits: int, limit: int) -> None:
        self.wbits = wbits
        self.limit = limit
        self.size = 0
        self.decoder: zlib._Decompress | None = None
        self.head = b""  # deflate's first byte, until the second tells zlib's from raw

    def feed(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        if self.decoder is None and self.wbits != GZIP:
            data, self.head = self.head + data, b""
            if len(data) < 2:
                self.head = data
                return out
        while data:
            if self.decoder is not None and self.decoder.eof:
                if self.wbits != GZIP:
                    raise self._invalid("data after the end of the stream")
                self.decoder = None  # the next gzip member
            if self.decoder is None:
                self.decoder = zlib.decompressobj(self._bits(data))
            try:
                piece = self.decoder.decompress(data, self.limit - self.size + 1)
            except zlib.error as error:
                raise self._invalid(str(error)) from None
            self.size += len(piece)
            if self.size > self.limit:
                raise too_large(self.limit)
            out.append(piece)
            if not self.decoder.eof:
                break  # the rest of this member comes with the next chunk
            data = self.decoder.unused_data
        return out

    def finish(self) -> None:
        if self.decoder is None or not self.decoder.eof:
            raise self._invalid("the stream ends early")

    def _bits(self, data: bytes) -> int:
        if self.wbits == GZIP:
            return self.wbits
        zlib_header = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return self.wbits if zlib_header else -zlib.MAX_WBITS

    def _invalid(self, why: str) -> BadInput:
        coding = "gzip" if self.wbits == GZIP else "deflate"
        return BadInput(400, "BAD_REQUEST", f"The body is not valid {coding} ({why}).")


async def read_body(receive: Receive, limit: int, coding: int | None) -> bytes | None:
    """The whole body, decoded (`coding`: `coding_of`'s answer), or None when the client
    went away; BadInput when it is larger than `limit` bytes, sent or decoded, or does not
    decode."""
    chunks: list[bytes] = []
    inflater = None if coding is None else _Inflater(coding, limit)
    size, more = 0, True
    while more:
        incoming = await receive()
        if incoming["type"] != "http.request":
            return None
        chunk = incoming.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        if inflater is None:
            chunks.append(chunk)
        else:
            chunks.extend(inflater.feed(chunk))
        more = incoming.get("more_body", False)
    if inflater is not None and size:  # no body at all (a GET) has nothing to decode
        inflater.finish()
    return b"".join(chunks)
