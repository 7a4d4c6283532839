"""The event feed (``…/events/``): what the organisation's webhooks carried or would have carried.

Each event is stored once when emitted (:mod:`compliance.monitoring.webhooks.events`), whether or
not an endpoint subscribes, and kept ``WEBHOOK_EVENTS_RETENTION_DAYS`` days (30 by default;
a daily beat entry purges the older ones). A client that missed deliveries reads the feed from
the last event it processed and gets the very payloads the deliveries carry.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from compliance.models import WebhookEvent


def retention_start():
    return timezone.now() - timedelta(days=settings.WEBHOOK_EVENTS_RETENTION_DAYS)


def events(*, types: list[str] | None = None, since=None) -> QuerySet[WebhookEvent]:
    """The current organisation's events of the retention period, oldest first."""
    queryset = WebhookEvent.objects.filter(occurred_at__gte=retention_start())
    if types:
        queryset = queryset.filter(type__in=types)
    if since is not None:
        queryset = queryset.filter(occurred_at__gte=since)
    return queryset.order_by("occurred_at", "id")


def purge_old_events() -> int:
    """Delete the current organisation's events older than the retention; returns how many."""
    deleted, _by_model = WebhookEvent.objects.filter(occurred_at__lt=retention_start()).delete()
    return deleted
