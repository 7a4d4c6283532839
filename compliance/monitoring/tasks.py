"""Celery tasks of alerts, notifications and webhooks. Thin: each calls one module function.

Dispatchers (beat entries, see ``hds_platform/schedules.py``) read organisation ids only and fan
out one tenant task per organisation, which does the work inside that organisation's context.
Every fan-out goes through the outbox (:mod:`hds_platform.outbox`), like the services' follow-ups:
a broker that fails in the middle of a fan-out delays the rest instead of dropping it.
The tenant tasks are idempotent, hence ``acks_late`` with ``reject_on_worker_lost``: a task
interrupted by a dying worker is delivered again and creates nothing twice. Queues are chosen by
name in ``CELERY_TASK_ROUTES`` (names holding "webhook" go to the ``webhooks`` queue).
"""

from __future__ import annotations

import logging

from celery import current_task, shared_task
from django.conf import settings
from django.utils import timezone

from compliance.models import WebhookDelivery
from compliance.monitoring import alerts, digests, expiry
from compliance.monitoring.webhooks import delivery, feed, inprocess
from hds_platform import outbox
from hds_platform.crossing import cross_tenant_alias
from hds_platform.models import Organisation
from hds_platform.tasks import tenant_task
from hds_platform.tenancy import organisation_context

logger = logging.getLogger(__name__)

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}
RETRY_BATCH = 500
QUEUED_IN_PROCESS = "queued_in_process"


def _organisation_ids() -> list[int]:
    # The organisation table is global (not a tenant table): a dispatcher may read it whole.
    return list(Organisation.objects.filter(deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True))


# Expiry scan -----------------------------------------------------------------------------------


@shared_task(name="compliance.monitoring.tasks.expiry_scan_dispatch", soft_time_limit=240, time_limit=300)
def expiry_scan_dispatch() -> int:
    """Daily: one expiry scan per organisation."""
    ids = _organisation_ids()
    for organisation_id in ids:
        outbox.enqueue("compliance.monitoring.tasks.expiry_scan", organisation_id)
    logger.info("expiry scan dispatched to %s organisations", len(ids))
    return len(ids)


@tenant_task(soft_time_limit=120, time_limit=150, **IDEMPOTENT)
def expiry_scan(organisation) -> int:
    """Raise the expiry alerts of one organisation; returns how many were created."""
    return len(expiry.scan(organisation).created)


# Registry --------------------------------------------------------------------------------------


@tenant_task(soft_time_limit=120, time_limit=150, **IDEMPOTENT)
def alert_registry_changes(organisation, snapshot_id: int) -> int:
    """After a registry import: alert this organisation about the hosts it depends on that the
    snapshot removed or narrowed."""
    return len(alerts.registry_hosts_changed(organisation, snapshot_id))


# Webhooks --------------------------------------------------------------------------------------


@tenant_task(atomic=False, soft_time_limit=30, time_limit=45, **IDEMPOTENT)
def deliver_webhook(organisation, delivery_id: int) -> str | None:
    """Send one delivery (claimed first: a second run of the same task sends nothing). An attempt
    ends within WEBHOOK_DEADLINE_SECONDS (at most 30: the soft limit, caught and recorded as a
    failure, is only the last resort); the claim timeout (60 s) is longer than the hard limit.
    In the in-process mode it returns at once and a background thread sends (README: Webhooks)."""
    if current_task.request.is_eager and settings.WEBHOOK_INPROCESS_SENDER == "thread":
        inprocess.submit(organisation.pk, delivery_id)
        return QUEUED_IN_PROCESS
    return delivery.deliver(organisation, delivery_id)


@shared_task(name="compliance.monitoring.tasks.purge_webhook_events_dispatch", soft_time_limit=240, time_limit=300)
def purge_webhook_events_dispatch() -> int:
    """Daily: one purge of events older than WEBHOOK_EVENTS_RETENTION_DAYS per organisation."""
    ids = _organisation_ids()
    for organisation_id in ids:
        outbox.enqueue("compliance.monitoring.tasks.purge_webhook_events", organisation_id)
    return len(ids)


@tenant_task(soft_time_limit=120, time_limit=150, **IDEMPOTENT)
def purge_webhook_events(organisation) -> int:
    """Delete the organisation's events past the retention; returns how many."""
    return feed.purge_old_events()


@shared_task(name="compliance.monitoring.tasks.webhook_retry_dispatch", soft_time_limit=40, time_limit=50)
def webhook_retry_dispatch() -> int:
    """Every minute: one retry task per organisation with overdue deliveries."""
    # Crossing organisations on purpose (a named reader, past row-level security): only
    # organisation ids leave this query; each organisation's work runs in its own context.
    ids = list(
        WebhookDelivery.all_organisations.using(cross_tenant_alias("webhook_retry"))
        .filter(delivery.overdue(timezone.now()))
        .order_by().values_list("organisation_id", flat=True).distinct()
    )
    for organisation_id in ids:
        outbox.enqueue("compliance.monitoring.tasks.webhook_retry", organisation_id)
    return len(ids)


@tenant_task(atomic=False, soft_time_limit=40, time_limit=50, **IDEMPOTENT)
def webhook_retry(organisation) -> int:
    """Enqueue the overdue deliveries of one organisation (oldest first, a batch per minute)."""
    with organisation_context(organisation):
        ids = list(
            WebhookDelivery.objects.filter(delivery.overdue(timezone.now()))
            .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:RETRY_BATCH]
        )
    for delivery_id in ids:
        outbox.enqueue("compliance.monitoring.tasks.deliver_webhook", organisation.pk, delivery_id)
    return len(ids)


# E-mail digests --------------------------------------------------------------------------------


@shared_task(name="compliance.monitoring.tasks.send_digests_dispatch", soft_time_limit=240, time_limit=300)
def send_digests_dispatch() -> int:
    """Daily: one digest task per organisation (each member's own frequency decides)."""
    ids = _organisation_ids()
    for organisation_id in ids:
        outbox.enqueue("compliance.monitoring.tasks.send_digests", organisation_id)
    return len(ids)


@tenant_task(atomic=False, soft_time_limit=240, time_limit=300, **IDEMPOTENT)
def send_digests(organisation) -> int:
    return digests.send_digests(organisation)
