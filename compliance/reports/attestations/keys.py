"""The Ed25519 keys attestations are signed with, and the public key set anyone verifies them with.

``ATTESTATION_SIGNING_KEYS`` holds a JSON array of private JWKs (or a ``{"keys": [...]}`` set),
each with its ``kid``: the first signs, every one is published at ``/.well-known/jwks.json``. To
rotate, put the new key first and keep the old one listed until the last token it signed has
expired (30 days at most); then remove it and its tokens stop verifying.

With no keys configured, development (``DEBUG``) and the test suite create a key in ``var/`` on
first use and keep it there; production refuses to sign rather than sign with a key nobody chose.
``manage.py create_attestation_key`` prints a new private JWK to put in the environment.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

ALGORITHM = "EdDSA"
_lock = threading.Lock()
_cache: dict[str, list[OKPKey]] = {}


def new_key(kid: str | None = None) -> OKPKey:
    """A fresh Ed25519 private key; its ``kid`` defaults to its RFC 7638 thumbprint."""
    key = OKPKey.generate_key("Ed25519", private=True)
    return OKPKey.import_key(key.as_dict(private=True), {"kid": kid or key.thumbprint()})


def _import(data: dict, source: str) -> OKPKey:
    if data.get("kty") != "OKP" or data.get("crv") != "Ed25519":
        raise ImproperlyConfigured(f"{source}: every attestation key must be an Ed25519 OKP JWK.")
    if not data.get("kid"):
        raise ImproperlyConfigured(f"{source}: every attestation key needs a kid.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return OKPKey.import_key(data)


def parse_keys(text: str, source: str = "ATTESTATION_SIGNING_KEYS") -> list[OKPKey]:
    """Private keys from a JSON array of JWKs or a JWK set."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{source} is not JSON: {exc}") from None
    items = data.get("keys") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise ImproperlyConfigured(f"{source} must be a non-empty JSON array of JWKs.")
    keys = [_import(item, source) for item in items]
    if any(not key.is_private for key in keys):
        raise ImproperlyConfigured(f"{source}: signing keys must include their private part (d).")
    kids = [key.kid for key in keys]
    if len(set(kids)) != len(kids):
        raise ImproperlyConfigured(f"{source}: two keys share a kid.")
    return keys


def _development_key(path: Path) -> list[OKPKey]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = new_key()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump([key.as_dict(private=True)], handle)
    return parse_keys(path.read_text(), source=str(path))


def signing_keys() -> list[OKPKey]:
    """The configured keys, the signing one first (read once per process and configuration)."""
    configured = settings.ATTESTATION_SIGNING_KEYS
    cache_key = configured or f"dev:{settings.ATTESTATION_DEV_KEY_PATH}"
    with _lock:
        if cache_key not in _cache:
            if configured:
                _cache[cache_key] = parse_keys(configured)
            elif settings.ATTESTATION_DEV_KEY_PATH:
                _cache[cache_key] = _development_key(Path(settings.ATTESTATION_DEV_KEY_PATH))
            else:
                raise ImproperlyConfigured("ATTESTATION_SIGNING_KEYS is required to sign attestations in production.")
        return _cache[cache_key]


def public_jwk(key: OKPKey) -> dict:
    return {**key.as_dict(private=False), "alg": ALGORITHM, "use": "sig"}


def public_jwks() -> dict:
    """The published key set: the public half of every configured key."""
    return {"keys": [public_jwk(key) for key in signing_keys()]}
