"""Background work of the registry. Tasks take ids and re-read state.

``refresh_registry`` and ``after_import`` run on the "registry" queue (``CELERY_TASK_ROUTES``).
The organisation work an import causes is not here: ``after_import`` announces the changed hosts
(:data:`registry.signals.hosts_changed`) and the apps above the registry enqueue it.

``registry.tasks.refresh_registry`` is the daily refresh; its beat entry is wired with
django-celery-beat (no arguments).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from registry import http, selectors, signals
from registry.importing import registry_import
from registry.models import Snapshot

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, acks_late=True, soft_time_limit=600, time_limit=660,
    max_retries=3, default_retry_delay=15 * 60,
)
def refresh_registry(self) -> dict:
    """Download the list from ``settings.REGISTRY_SOURCE_URL`` and import it.

    Conditional GET with the validators of the last snapshot from that URL: 304 does nothing.
    A download failure never touches the current list; a transient one (network, 429, 5xx) is
    retried later. Idempotent: the same file twice is a no-op.
    """
    url = settings.REGISTRY_SOURCE_URL
    if not url:
        logger.warning("registry refresh skipped: REGISTRY_SOURCE_URL is not set")
        return {"status": "not_configured"}
    last = Snapshot.objects.filter(source=url[:500]).order_by("-id").first()
    try:
        download = http.download(
            url,
            etag=last.etag if last else "",
            last_modified=last.last_modified if last else "",
            max_bytes=settings.REGISTRY_MAX_FILE_BYTES,
        )
    except http.DownloadError as exc:
        logger.error("registry refresh from %s failed: %s", url, exc.message)
        if exc.transient:
            raise self.retry(exc=exc) from exc
        raise
    if download.not_modified:
        logger.info("registry refresh: %s not modified since snapshot %s", url, last.pk if last else None)
        return {"status": "not_modified", "snapshot": last.pk if last else None}
    result = registry_import(
        data=download.data, source=url, filename=download.filename, etag=download.etag,
        last_modified=download.last_modified, actor_label="task:refresh_registry",
    )
    return {"status": result.status, "snapshot": result.snapshot.pk}


@shared_task(bind=True, acks_late=True, soft_time_limit=120, time_limit=150)
def after_import(self, snapshot_id: int) -> int:
    """Announce the hosts the snapshot changed; returns how many.

    The receivers of :data:`~registry.signals.hosts_changed` record their work (one task per
    organisation concerned) in this transaction: all of it, or none if one of them fails. Sent
    again (``acks_late``), it records that work again; those tasks are idempotent.
    """
    host_ids = selectors.changed_host_ids(snapshot_id)
    if host_ids:
        with transaction.atomic():
            signals.hosts_changed.send(sender=Snapshot, snapshot_id=snapshot_id, host_ids=host_ids)
    logger.info("registry snapshot %s: %s hosts changed", snapshot_id, len(host_ids))
    return len(host_ids)
