"""``/health/``: liveness for anyone, the deep check for operators.

An anonymous caller from outside gets the liveness answer, ``{"status": "ok"}``, which touches
neither the database nor Redis: it cannot hold a web worker. The deep check (is the database up,
is Redis up, is a worker alive, is follow-up work flowing?) answers a caller on the internal
network (``HEALTH_INTERNAL_NETWORKS``, loopback by default) or one that sends
``Authorization: Bearer <HEALTH_CHECK_TOKEN>``: 200 when all is well, else 503.

Follow-up work is not flowing when the outbox holds a message unsent for longer than
``OUTBOX_STALE_SECONDS`` or one sent and never acknowledged for longer than
``OUTBOX_ACK_TIMEOUT_SECONDS`` (lost by the broker: ``manage.py outbox_resend``).
"""

import hmac
import ipaddress

import redis
from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from hds_platform import outbox


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down"; the detail goes to the logs, not to the public
        return "down"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except redis.RedisError:
        return "down"
    return "ok"


def _worker(redis_state: str) -> str:
    if current_app.conf.task_always_eager:
        return "in_process"
    if redis_state != "ok":
        return "unknown"
    try:
        replies = current_app.control.ping(timeout=1.0)
    except Exception:  # the broker went away between the two checks
        return "unknown"
    return "ok" if replies else "down"


def _internal(request) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.HEALTH_INTERNAL_NETWORKS)


def _has_token(request) -> bool:
    expected = settings.HEALTH_CHECK_TOKEN
    keyword, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and keyword.lower() == "bearer" and hmac.compare_digest(given.strip(), expected)


def may_see_deep_check(request) -> bool:
    return _internal(request) or _has_token(request)


@never_cache
def health(request):
    if not may_see_deep_check(request):
        return JsonResponse({"status": "ok"})
    database = _database()
    redis_state = _redis()
    worker = _worker(redis_state)
    backlog = outbox.backlog() if database == "ok" else None
    follow_up = "unknown" if backlog is None else "lost" if backlog.lost else "stale" if backlog.stale else "ok"
    healthy = (database == "ok" and redis_state in ("ok", "not_configured") and worker in ("ok", "in_process")
               and follow_up == "ok")
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "redis": redis_state,
        "worker": worker,
        "outbox": follow_up,
        "outbox_pending": backlog.pending if backlog else None,
        "outbox_oldest_pending_seconds": backlog.oldest_pending_seconds if backlog else None,
        "outbox_unacknowledged": backlog.unacknowledged if backlog else None,
    }
    return JsonResponse(body, status=200 if healthy else 503)
