"""Background work of the compliance app: thin, idempotent tasks that take ids and call services.

Queues are chosen by task name in ``CELERY_TASK_ROUTES`` (these go to ``default``)."""

from compliance import evaluation, registry_link
from compliance.models import RegistryMatchStatus, Supplier
from hds_platform import audit
from hds_platform.audit import Actor
from hds_platform.tasks import tenant_task


@tenant_task(acks_late=True)
def evaluate_processings_task(organisation, processing_ids: list[int]) -> int:
    """Re-evaluate these processings of the organisation (those deleted since are skipped).

    Idempotent: a processing whose inputs did not change since its stored result is not written.
    """
    return len(evaluation.evaluate_processings(processing_ids))


@tenant_task(acks_late=True)
def refresh_registry_copies(organisation) -> int:
    """After a registry import changed a host the organisation depends on: refresh the registry
    copies of its suppliers' certificates, then re-evaluate all its processings. Returns how many
    processings were looked at. Idempotent: a second run writes nothing."""
    confirmed = Supplier.objects.filter(registry_match_status=RegistryMatchStatus.CONFIRMED)
    counts = registry_link.refresh_registry_certificates(confirmed)
    if any(counts.values()):
        audit.record(organisation=organisation, actor=Actor.system("registry"),
                     action="certificate.registry_refreshed", changes=counts)
    return evaluation.evaluate_all()
