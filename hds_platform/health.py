"""``/health/``: is the database up, is Redis up, is a worker alive? 200 when all are, else 503."""

import redis
from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from hds_platform.models import OutboxMessage


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


@never_cache
def health(request):
    database = _database()
    redis_state = _redis()
    worker = _worker(redis_state)
    pending = OutboxMessage.objects.filter(dispatched_at__isnull=True).count() if database == "ok" else None
    healthy = database == "ok" and redis_state in ("ok", "not_configured") and worker in ("ok", "in_process")
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "redis": redis_state,
        "worker": worker,
        "outbox_pending": pending,
    }
    return JsonResponse(body, status=200 if healthy else 503)
