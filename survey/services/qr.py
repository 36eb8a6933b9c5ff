"""QR codes of campaign links, drawn by segno on our own server.

Why here and not in the browser: a QR image printed on paper slips or shown on a poster must not
depend on a script or a third-party QR service (nothing leaves our server). The code holds only
the public campaign link, never an access code: a code inside a URL would end up in browser
histories and proxy logs.
"""
from __future__ import annotations

import io

import segno

# Medium error correction survives a crease or a smudge on a printed slip without making the
# symbol too dense for a cheap phone camera.
ERROR = "m"


def _qr(url: str) -> segno.QRCode:
    if not url:
        raise ValueError("url must not be empty")
    return segno.make(url, error=ERROR, micro=False)


def qr_svg(url: str, scale: int = 4) -> bytes:
    """An SVG image (UTF-8 bytes, with XML declaration) of the QR code of ``url``.

    Raises :class:`ValueError` for an empty url."""
    out = io.BytesIO()
    _qr(url).save(out, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True,
                  title=url)
    return out.getvalue()


def qr_png(url: str, scale: int = 8) -> bytes:
    """A PNG image (black on white) of the QR code of ``url``.

    Raises :class:`ValueError` for an empty url."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules of ``url`` as rows of booleans (dark = True), without the quiet zone:
    lets a test check the drawn images against the symbol."""
    return [[bool(cell) for cell in row] for row in _qr(url).matrix]
