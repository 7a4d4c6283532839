"""API token format, digests and checks.

A token reads ``mln_<prefix>_<secret>``. The prefix is public and indexed; the
secret is kept only as a SHA-256 digest (it is 256 random bits, so a slow hash
adds nothing) and compared in constant time.
"""

import hashlib
import hmac
import secrets
import string

TOKEN_PREFIX_LENGTH = 10
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


def new_token() -> tuple[str, str, str]:
    """Return (raw token to show once, prefix, digest)."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(TOKEN_PREFIX_LENGTH))
    secret = secrets.token_urlsafe(32)
    return f"mln_{prefix}_{secret}", prefix, digest_secret(secret)


def digest_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, else None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "mln" or len(parts[1]) != TOKEN_PREFIX_LENGTH or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(digest_secret(secret), digest)


def new_link_token() -> tuple[str, str]:
    """A single-use link secret (invitations): (raw, digest)."""
    raw = secrets.token_urlsafe(32)
    return raw, digest_secret(raw)
