"""Background work of the registry. Tasks take ids and re-read state.

``refresh_registry`` and ``after_import`` run on the "registry" queue (``CELERY_TASK_ROUTES``);
``recheck_organisation`` is organisation work and stays on the default queue.

``registry.tasks.refresh_registry`` is the daily refresh; its beat entry is wired with
django-celery-beat (no arguments).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from registry import fanout, http, selectors
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
def after_import(self, snapshot_id: int) -> list[int]:
    """Enqueue one re-check per organisation whose matched hosts the snapshot changed."""
    host_ids = selectors.changed_host_ids(snapshot_id)
    organisation_ids = fanout.organisations_to_recheck(host_ids)
    for organisation_id in organisation_ids:
        recheck_organisation.delay(organisation_id, snapshot_id)
    logger.info("registry snapshot %s: %s hosts changed, %s organisations to re-check",
                snapshot_id, len(host_ids), len(organisation_ids))
    return organisation_ids


@shared_task(bind=True, acks_late=True, soft_time_limit=240, time_limit=300)
def recheck_organisation(self, organisation_id: int, snapshot_id: int) -> None:
    """Re-check one organisation against the hosts a snapshot changed."""
    fanout.recheck_organisation(organisation_id, selectors.changed_host_ids(snapshot_id))
