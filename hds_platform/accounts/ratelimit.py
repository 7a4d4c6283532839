"""A simple fixed-window counter in the cache, for the pages anyone may post to without an
account: sign-up, password reset, invitation links.

Each attempt is counted under every key it names (the client address, the e-mail address); once
any of them reaches its limit within the window, the attempt is refused. The cache is optional in
Maillon (``hds_platform.cache``): when Redis does not answer, nothing is counted and nothing is
refused — django-axes still guards the logins, in the database.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from redis.exceptions import RedisError

from hds_platform.request_meta import client_address


def _cache_key(scope: str, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"maillon:ratelimit:{scope}:{kind}:{digest}"


def allow(request, scope: str, *, limit: int, window_seconds: int, email: str = "") -> bool:
    """Count one attempt of ``scope`` from this client (and for ``email``); False when over the limit."""
    keys = [_cache_key(scope, "ip", client_address(request) or "unknown")]
    if email:
        keys.append(_cache_key(scope, "email", email))
    allowed = True
    for key in keys:
        cache.add(key, 0, window_seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window_seconds)
            count = 1
        except (RedisError, OSError):  # the cache is down: count nothing (module docstring)
            count = 0
        allowed = allowed and count <= limit
    return allowed
