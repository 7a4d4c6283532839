"""Webhook signatures: HMAC-SHA256 over ``"{timestamp}.{body}"``.

Each delivery carries::

    Maillon-Signature: t=1764355200,v1=5f2c…e9

``t`` is the Unix time of sending; ``v1`` is the hex HMAC-SHA256 of
``f"{t}.".encode() + body`` with the endpoint's secret. A receiver recomputes
it, compares in constant time and refuses timestamps older than a few
minutes (replays). After a secret rotation, during the grace period, the header
carries one ``v1`` per secret (the new one first)::

    Maillon-Signature: t=1764355200,v1=<with the new secret>,v1=<with the previous one>

and a receiver accepts the body when any ``v1`` matches its secret.
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


def signature_header(secret: str, body: bytes, timestamp: int | None = None, *,
                     previous_secret: str = "") -> str:
    """The header value: one ``v1`` with ``secret``, and one with ``previous_secret`` when given."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    secrets_ = [secret, previous_secret] if previous_secret else [secret]
    return ",".join([f"t={timestamp}", *(f"v1={compute_signature(key, timestamp, body)}" for key in secrets_)])


class InvalidSignature(ValueError):
    pass


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = DEFAULT_TOLERANCE_SECONDS,
                     now: int | None = None) -> int:
    """Check a ``Maillon-Signature`` header; return its timestamp or raise :class:`InvalidSignature`."""
    pairs = [item.split("=", 1) for item in header.split(",") if "=" in item]
    given = [value for key, value in pairs if key == "v1"]
    try:
        timestamp = int(next(value for key, value in pairs if key == "t"))
    except (StopIteration, ValueError):
        raise InvalidSignature("malformed signature header") from None
    if not given:
        raise InvalidSignature("malformed signature header")
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance window")
    expected = compute_signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in given):
        raise InvalidSignature("signature mismatch")
    return timestamp
