"""The handoff code as a QR code, drawn on the server as inline SVG (no CDN, no script)."""

from __future__ import annotations

import segno


def qr_svg(text: str) -> str:
    # A full QR code (not Micro QR, which many in-store scanners cannot read), medium error
    # correction so a smudged phone screen still scans.
    code = segno.make(text, error="m", micro=False)
    return str(code.svg_inline(scale=6, border=4, dark="#111", light="#fff", omitsize=True))
