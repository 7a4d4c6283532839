"""The cache is an optimisation, never a dependency: with Redis down, every read is a miss.

:class:`ResilientRedisCache` is Django's Redis cache whose every operation, when Redis does not
answer, behaves as if the cache were empty (a read returns its default, a write is dropped) and
logs a warning. After a failure it leaves Redis alone for ``CACHE_DOWN_SECONDS`` so that a write
burst during an outage does not pay a connection timeout per read. Writes (creating or renaming a
supplier reads the registry's names through the cache) therefore succeed while Redis is down.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_DOWN_SECONDS = 5.0


def _optional(default_factory):
    """Run the operation unless Redis is known down; on a Redis error, answer the default."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._down_until:
                return default_factory(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as exc:
                self._down_until = time.monotonic() + CACHE_DOWN_SECONDS
                logger.warning("cache: Redis unavailable (%s), treated as a miss for %ss", exc, CACHE_DOWN_SECONDS)
                return default_factory(*args, **kwargs)

        return wrapper

    return decorator


def _default_argument(key, default=None, *args, **kwargs):
    return default


def _none(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty_dict(*args, **kwargs):
    return {}


def _failed_keys(data, *args, **kwargs):
    return list(data)


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    get = _optional(_default_argument)(RedisCache.get)
    set = _optional(_none)(RedisCache.set)
    add = _optional(_false)(RedisCache.add)
    touch = _optional(_false)(RedisCache.touch)
    # Rate limits count with add + incr; with Redis down the count is None and the request allowed.
    incr = _optional(_none)(RedisCache.incr)
    delete = _optional(_false)(RedisCache.delete)
    has_key = _optional(_false)(RedisCache.has_key)
    get_many = _optional(_empty_dict)(RedisCache.get_many)
    set_many = _optional(_failed_keys)(RedisCache.set_many)
    delete_many = _optional(_none)(RedisCache.delete_many)
    clear = _optional(_false)(RedisCache.clear)
