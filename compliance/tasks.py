"""Background work of the compliance app: thin, idempotent tasks that take ids and call services.

Queues are chosen by task name in ``CELERY_TASK_ROUTES`` (these go to ``default``)."""

import logging

from celery import shared_task

from compliance import evaluation, network, registry_link, services
from compliance.models import RegistryMatchStatus, Supplier
from compliance.services import network as network_services
from hds_platform import audit, outbox
from hds_platform.audit import Actor
from hds_platform.models import Organisation
from hds_platform.tasks import tenant_task

logger = logging.getLogger(__name__)


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
        # A provider's refreshed copies flow down to its linked clients.
        network_services.flow_down(organisation)
    return evaluation.evaluate_all()


@tenant_task(acks_late=True)
def network_link_sync(organisation, link_id: int) -> bool:
    """In a linked client's organisation: bring its copies of what the provider shares in line,
    re-evaluate the processings relying on them and tell the client once. Idempotent: a second
    run finds nothing changed and writes nothing."""
    link = network.link_of_client(link_id)
    if link is None:
        return False
    network_services.link_sync(link)
    return True


@tenant_task(acks_late=True)
def incoming_evidence_request_received(organisation, request_id: int) -> bool:
    """In a linked provider's organisation: a request addressed to it arrived in its inbox (audit,
    e-mail to the members who may answer). Idempotent: a second run does nothing."""
    return services.incoming_evidence_request_received(organisation, request_id)


@shared_task(name="compliance.tasks.reevaluate_dispatch", soft_time_limit=240, time_limit=300)
def reevaluate_dispatch() -> int:
    """Daily: one re-evaluation per organisation, so that stored answers follow time (a
    certificate ending, a document lapsing) even when nobody reads them."""
    # The organisation table is global (not a tenant table): a dispatcher may read it whole.
    ids = list(Organisation.objects.filter(deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    for organisation_id in ids:
        reevaluate_organisation.delay(organisation_id)
    logger.info("re-evaluation dispatched to %s organisations", len(ids))
    return len(ids)


@tenant_task(atomic=False, acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def reevaluate_organisation(organisation) -> int:
    """Bring every stored answer of the organisation to today; returns how many were looked at.

    Idempotent: a second run the same day finds every answer current and writes nothing.
    """
    return evaluation.reevaluate_organisation(organisation)


@shared_task(name="compliance.tasks.evidence_requests_follow_up_dispatch", soft_time_limit=240, time_limit=300)
def evidence_requests_follow_up_dispatch() -> int:
    """Daily: one evidence-request follow-up (expiry, reminders, overdue alerts) per organisation."""
    ids = list(Organisation.objects.filter(deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    for organisation_id in ids:
        outbox.enqueue("compliance.tasks.evidence_requests_follow_up", organisation_id)
    logger.info("evidence-request follow-up dispatched to %s organisations", len(ids))
    return len(ids)


@tenant_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def evidence_requests_follow_up(organisation) -> dict:
    """Expire lapsed links, remind contacts 7 and 1 days before the due date, alert once when a
    request is overdue. Idempotent: each step is claimed on its row, so a second run does nothing."""
    return services.evidence_requests_follow_up(organisation)
