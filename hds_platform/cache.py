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
import os
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
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


#: INCRBY only if the key exists, in one round trip (Django's client asks EXISTS, then INCRBY).
_INCR_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return false
"""


#: Count one hit; the first hit sets the key's expiry. One round trip.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


#: Count one hit (when a counter is named) and read one value, in one round trip.
_HIT_AND_GET = """
local count = false
if ARGV[1] ~= '' then
  count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
end
return {count, redis.call('GET', KEYS[2])}
"""


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` for every operation; with redis-py 5 that object sets up
    its table of response callbacks (a few hundred entries) each time, which cost more CPU than
    the round trip itself. A ``redis.Redis`` holds no connection of its own (its pool does) and is
    safe to share between threads, so one per pool is kept. ``incr`` is one round trip.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._scripts = {}
        self._own = threading.local()

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def _script(self, client, source):
        script = self._scripts.get((id(client), source))
        if script is None:
            script = self._scripts[id(client), source] = client.register_script(source)
        return script

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        value = self._script(client, _INCR_IF_EXISTS)(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def hit(self, key, timeout):
        client = self.get_client(key, write=True)
        return int(self._script(client, _HIT)(keys=[key], args=[timeout]))

    def hit_and_get(self, counter, timeout, key):
        count, value = self._direct("EVAL", _HIT_AND_GET, 2, counter or key, key, timeout if counter else "")
        return (None if count is None else int(count)), (None if value is None else self._serializer.loads(value))

    def _direct(self, *command):
        """One command on this thread's own connection to the primary, without the client's work
        around each command (taking a connection from the pool and checking it, retries,
        instrumentation), which costs twice the round trip: the front door sends one per request.
        A connection the server closed is opened again and the command sent once more; any other
        failure is the caller's, and closes the connection: a reply left unread (a timeout) must
        never be taken for the next command's."""
        own = self._own
        connection = getattr(own, "connection", None)
        if connection is None or own.pid != os.getpid():  # a forked worker opens its own
            pool = self._get_connection_pool(True)
            own.connection, own.pid = pool.connection_class(**pool.connection_kwargs), os.getpid()
            connection = own.connection
        try:
            return self._send(connection, command)
        except RedisConnectionError:
            return self._send(connection, command)  # on a new connection: it reopens when used

    @staticmethod
    def _send(connection, command):
        try:
            connection.send_command(*command)
            return connection.read_response()
        except BaseException:
            connection.disconnect()
            raise


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

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

    @_optional(_none)
    def hit(self, key, timeout: int, version=None) -> int | None:
        """Add one to the counter ``key`` (created at 1, kept ``timeout`` seconds from then): its new
        value, or None with Redis down. One round trip, where ``add`` then ``incr`` take three."""
        return self._cache.hit(self.make_and_validate_key(key, version=version), timeout)

    @_optional(_none)
    def hit_and_get(self, counter: str | None, timeout: int, key: str, version=None) -> tuple[int | None, object]:
        """``hit(counter, timeout)`` (skipped when ``counter`` is None) and ``get(key)`` in one round
        trip: (the counter's new value or None, the value or None); None with Redis down."""
        counter_key = None if counter is None else self.make_and_validate_key(counter, version=version)
        return self._cache.hit_and_get(counter_key, timeout, self.make_and_validate_key(key, version=version))
