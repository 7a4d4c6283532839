"""Webhook signatures: HMAC-SHA256 over ``"{timestamp}.{body}"``.

Each delivery carries::

    Maillon-Signature: t=1764355200,v1=5f2c…e9

``t`` is the Unix time of sending; ``v1`` is the hex HMAC-SHA256 of
``f"{t}.".encode() + body`` with the endpoint's secret. A receiver recomputes
it, compares in constant time and refuses timestamps older than a few
minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Maillon-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={compute_signature(secret, timestamp, body)}"


class InvalidSignature(ValueError):
    pass


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = DEFAULT_TOLERANCE_SECONDS,
                     now: int | None = None) -> int:
    """Check a ``Maillon-Signature`` header; return its timestamp or raise :class:`InvalidSignature`."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise InvalidSignature("malformed signature header") from None
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance window")
    if not hmac.compare_digest(compute_signature(secret, timestamp, body), given):
        raise InvalidSignature("signature mismatch")
    return timestamp
