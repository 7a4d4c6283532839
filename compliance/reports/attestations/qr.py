"""QR codes of verification links (segno), as ``data:`` URIs a PDF can carry."""

from __future__ import annotations

import segno
from segno import DataOverflowError


def qr_data_uri(text: str) -> str | None:
    """A PNG QR code of ``text``, or None when ``text`` is too long for any QR code."""
    try:
        code = segno.make(text, error="l", micro=False)
    except DataOverflowError:
        return None
    return code.png_data_uri(scale=3, border=2)
