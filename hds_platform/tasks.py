"""The house Celery task decorator: tasks of one organisation run inside its context.

A tenant task takes ``organisation_id`` as its first argument (ids only, never
model instances), re-reads the organisation, and runs its body inside
:func:`~hds_platform.tenancy.organisation_context` — one transaction, the
row-level security setting included — which is always reset afterwards.
An organisation deleted in the meantime makes the task a no-op.

A body that must not hold a transaction open while it waits on the network
(a webhook delivery, an e-mail) says ``atomic=False``: it then receives the
organisation with no context set, and enters ``organisation_context`` itself
around each of its short transactions.
"""

import functools
import logging

from celery import shared_task
from django.utils import timezone

from hds_platform import audit_anchor
from hds_platform.models import IdempotencyKey, Organisation
from hds_platform.tenancy import organisation_context

logger = logging.getLogger(__name__)


def tenant_task(*task_args, **task_options):
    """``@tenant_task(queue="default", acks_late=True)`` on ``def body(organisation, *args)``.

    The Celery task is called with ``organisation_id`` first:
    ``body.delay(organisation.pk, …)``; the body receives the organisation.
    Use ``acks_late=True`` only when the body is idempotent.
    ``atomic=False``: the body opens its own ``organisation_context`` blocks.
    """
    atomic = task_options.pop("atomic", True)

    def decorator(body):
        @shared_task(name=task_options.pop("name", f"{body.__module__}.{body.__name__}"), **task_options)
        @functools.wraps(body)
        def task(organisation_id: int, *args, **kwargs):
            # A deleted organisation keeps its row for its audit chain only: nothing runs for it.
            organisation = Organisation.objects.filter(pk=organisation_id, deleted_at__isnull=True).first()
            if organisation is None:
                logger.info("task %s: organisation %s no longer exists", body.__name__, organisation_id)
                return None
            if not atomic:
                return body(organisation, *args, **kwargs)
            with organisation_context(organisation):
                return body(organisation, *args, **kwargs)

        return task

    if task_args and callable(task_args[0]):
        return decorator(task_args[0])
    return decorator



@shared_task(name="hds_platform.anchor_audit_chains", soft_time_limit=240, time_limit=300)
def anchor_audit_chains() -> int:
    """Beat, hourly: sign the audit chain heads that grew (:mod:`hds_platform.audit_anchor`)."""
    return audit_anchor.anchor_all()


@shared_task(name="hds_platform.purge_idempotency_keys_dispatch", soft_time_limit=240, time_limit=300)
def purge_idempotency_keys_dispatch() -> int:
    """Beat, daily: one purge of expired idempotency keys per organisation (row-level security lets
    a transaction delete one organisation's rows only). An expired key is already ignored when a
    request names it: this only keeps the table small."""
    # The organisation table is global (not a tenant table): a dispatcher may read it whole.
    ids = list(Organisation.objects.filter(deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    for organisation_id in ids:
        purge_idempotency_keys.delay(organisation_id)
    return len(ids)


@tenant_task(name="hds_platform.purge_idempotency_keys", acks_late=True, soft_time_limit=120, time_limit=150)
def purge_idempotency_keys(organisation) -> int:
    """Delete the organisation's expired idempotency keys; returns how many. Safe to run twice."""
    deleted, _by_model = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
