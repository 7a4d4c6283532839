"""API rate limits: per API token, per connected app and organisation, per signed-in person.

Counted in fixed one-minute windows, staggered per key, in the default cache: on Redis
(``REDIS_URL``) by :meth:`hds_platform.cache.ResilientRedisCache.hit`, one round trip; in the
process's memory otherwise, by django-ratelimit. A token or an app gets its organisation's plan
(``Organisation.plan``, limits in ``settings.RATE_LIMIT_PLANS``), a person
``RATE_LIMIT_SESSION_PER_MINUTE``. Every counted answer carries ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until the window ends); past the limit,
429 ``rate_limited`` with ``Retry-After``. The cache is optional (:mod:`hds_platform.cache`):
with Redis down nothing is counted and every request is allowed, without the headers.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

from hds_platform.errors import RateLimited

GROUP = "maillon-api"
WINDOW = 60


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset: int
    exceeded: bool


def caller_key(request) -> tuple[str, int] | None:
    """Who is counted, and their limit per minute; None for an anonymous caller (refused anyway)."""
    auth = request.auth
    user = request.user
    if getattr(user, "token", None) is not None and auth is user.token:
        return f"token:{auth.pk}", plan_limit(auth.organisation)
    access_token = getattr(user, "access_token", None)
    if access_token is not None:
        return (f"app:{access_token.application_id}:org:{access_token.organisation_id}",
                plan_limit(access_token.organisation))
    if user is not None and user.is_authenticated and user.pk is not None:
        return f"user:{user.pk}", settings.RATE_LIMIT_SESSION_PER_MINUTE
    return None


def plan_limit(organisation) -> int:
    return limit_of_plan(organisation.plan)


def limit_of_plan(plan: str) -> int:
    return settings.RATE_LIMIT_PLANS.get(plan, settings.RATE_LIMIT_PLANS["standard"])


def count(request) -> Usage | None:
    """Count this request; its usage, or None when it is not counted (anonymous, cache down, disabled).
    A request already counted on its way in (:mod:`hds_platform.response_cache`) is not counted again."""
    counted = getattr(request, "counted_usage", None)
    if counted is not None:
        return counted
    if not settings.RATE_LIMIT_ENABLED:
        return None
    caller = caller_key(request)
    if caller is None:
        return None
    key, limit = caller
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    if hasattr(cache, "hit"):
        # Redis: one round trip (django-ratelimit's add then incr take three).
        counter, start, now = window(key, limit)
        return usage_of(cache.hit(counter, WINDOW + 1), limit, start, now)
    usage = get_usage(request, group=GROUP, key=lambda _group, _request: key, rate=f"{limit}/m", increment=True)
    if usage is None:
        return None
    return Usage(limit=limit, remaining=max(limit - usage["count"], 0), reset=max(usage["time_left"], 0),
                 exceeded=usage["should_limit"])


def window(key: str, limit: int) -> tuple[str, int, float]:
    """The counter of the caller's current window, the window's start, and now. Windows are fixed,
    staggered per caller, and the limit is in the counter's name: a new plan starts a new count."""
    now = time.time()
    start = int(now) - (int(now) + zlib.crc32(key.encode())) % WINDOW
    return f"{GROUP}:{key}:{limit}:{start}", start, now


def usage_of(hits: int | None, limit: int, start: int, now: float) -> Usage | None:
    if hits is None:
        return None
    return Usage(limit=limit, remaining=max(limit - hits, 0), reset=max(int(start + WINDOW - now), 0),
                 exceeded=hits > limit)


class ApiRateLimit(BaseThrottle):
    """The DRF throttle of every API view (``DEFAULT_THROTTLE_CLASSES``)."""

    def allow_request(self, request, view):
        usage = count(request)
        if usage is None:
            return True
        request._request.rate_limit = usage
        if usage.exceeded:
            wait = max(usage.reset, 1)
            raise RateLimited(_("Trop de requêtes : la limite est de %(limit)s par minute. Réessayez dans "
                                "%(wait)s s.") % {"limit": usage.limit, "wait": wait}, retry_after=wait)
        return True


class RateLimitHeadersMiddleware:
    """Writes the usage counted by :class:`ApiRateLimit` onto the response, 429 included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        write_headers(response, getattr(request, "rate_limit", None))
        return response


def write_headers(response, usage: Usage | None) -> None:
    for name, value in header_items(usage):
        response[name] = value


def header_items(usage: Usage | None) -> list[tuple[str, str]]:
    """The ``RateLimit-*`` headers of a counted request (none when it was not counted)."""
    if usage is None:
        return []
    return [("RateLimit-Limit", str(usage.limit)), ("RateLimit-Remaining", str(usage.remaining)),
            ("RateLimit-Reset", str(usage.reset))]
