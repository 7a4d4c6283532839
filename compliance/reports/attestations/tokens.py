"""Signing and verifying attestations: compact JWS, Ed25519 (``alg: EdDSA``), the key named by ``kid``.

Verification needs nothing but a public key set (``/.well-known/jwks.json``) and a clock, so a
practice software, an auditor or ``manage.py verify_attestation`` checks a token without asking
Maillon. Each failure has a stable reason: ``malformed``, ``unknown_key``, ``bad_signature``,
``expired``, ``not_yet_valid``.

RFC 9864 deprecates the polymorphic ``EdDSA`` identifier in favour of ``Ed25519``; attestations
keep ``EdDSA``, which every JOSE library verifies today, and silence joserfc's warning about it.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterable

from joserfc import jws
from joserfc.errors import BadSignatureError, DecodeError, JoseError, SecurityWarning
from joserfc.jwk import OKPKey

from compliance.reports.attestations.keys import ALGORITHM

TOKEN_TYPE = "JWT"
CLOCK_SKEW_SECONDS = 60  # accepted difference between the issuer's clock and the verifier's, for iat only


class VerificationError(Exception):
    """Why a token does not verify; ``reason`` is one of the stable codes above."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def sign(claims: dict, key: OKPKey) -> str:
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact({"alg": ALGORITHM, "kid": key.kid, "typ": TOKEN_TYPE}, payload, key,
                                     algorithms=[ALGORITHM])


def public_keys(jwks: dict) -> dict[str, OKPKey]:
    """The Ed25519 keys of a JWK set, by kid (others are ignored)."""
    keys = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        for item in jwks.get("keys", []):
            if item.get("kty") == "OKP" and item.get("crv") == "Ed25519" and item.get("kid"):
                public = {name: item[name] for name in ("kty", "crv", "x", "kid")}
                keys[item["kid"]] = OKPKey.import_key(public)
    return keys


def unverified_header(token: str) -> dict:
    try:
        return jws.extract_compact(token.strip().encode()).headers()
    except (DecodeError, ValueError, UnicodeError) as exc:
        raise VerificationError("malformed", str(exc)) from None


def verify(token: str, keys: dict[str, OKPKey] | Iterable[OKPKey], *, now: float | None = None) -> dict:
    """The claims of ``token`` if it is signed by one of ``keys`` and valid at ``now``; otherwise
    :class:`VerificationError` with its reason."""
    if not isinstance(keys, dict):
        keys = {key.kid: key for key in keys}
    token = token.strip()
    header = unverified_header(token)
    if header.get("alg") != ALGORITHM:
        raise VerificationError("malformed", f"unexpected algorithm {header.get('alg')!r}")
    key = keys.get(header.get("kid"))
    if key is None:
        raise VerificationError("unknown_key", f"no published key has kid {header.get('kid')!r}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)
            payload = jws.deserialize_compact(token, key, algorithms=[ALGORITHM]).payload
    except BadSignatureError:
        raise VerificationError("bad_signature", "the signature does not match the content") from None
    except (JoseError, ValueError, UnicodeError) as exc:
        raise VerificationError("malformed", str(exc)) from None
    try:
        claims = json.loads(payload)
    except ValueError:
        raise VerificationError("malformed", "the payload is not JSON") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int | float) \
            or not isinstance(claims.get("iat"), int | float):
        raise VerificationError("malformed", "the payload lacks iat or exp")
    now = time.time() if now is None else now
    if now >= claims["exp"]:
        raise VerificationError("expired", f"expired at {int(claims['exp'])}")
    if claims["iat"] > now + CLOCK_SKEW_SECONDS:
        raise VerificationError("not_yet_valid", f"issued at {int(claims['iat'])}")
    return claims
