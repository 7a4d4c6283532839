"""Monitoring listens to the compliance domain (:mod:`compliance.signals`) and to the registry
(:mod:`registry.signals`); connected in :meth:`MonitoringConfig.ready`. Each receiver runs in the
transaction of the write it follows."""

from compliance.monitoring import alerts
from compliance.monitoring.webhooks import catalogue, events
from compliance.monitoring.webhooks import services as webhook_services
from compliance.registry_link import organisations_depending_on_hosts
from hds_platform import outbox


def alert_on_status_changes(sender, *, organisation, changes, **kwargs) -> None:
    alerts.on_status_changes(organisation, changes)


def announce_evidence(sender, *, evidence, supersedes, **kwargs) -> None:
    events.emit(evidence.organisation, catalogue.EVIDENCE_UPLOADED, evidence=evidence, supersedes=supersedes)


def announce_supplier(sender, *, supplier, change, **kwargs) -> None:
    if change == "deleted":
        events.emit(supplier.organisation, catalogue.SUPPLIER_DELETED, supplier_id=supplier.pk, name=supplier.name)
    else:
        events.emit(supplier.organisation, f"supplier.{change}", supplier=supplier)


def announce_evidence_request_answer(sender, *, request, **kwargs) -> None:
    events.emit(request.organisation, catalogue.EVIDENCE_REQUEST_ANSWERED, request=request)


def alert_evidence_request_overdue(sender, *, request, **kwargs) -> None:
    alerts.evidence_request_overdue(request)


def stop_webhooks_of_leaving_member(sender, *, organisation, user, actor, reassign_to, **kwargs) -> None:
    webhook_services.webhook_endpoints_of_leaving_member(user=user, actor=actor, reassign_to=reassign_to)


def alert_on_registry_changes(sender, *, snapshot_id, host_ids, **kwargs) -> None:
    """One alert task per organisation depending on a changed host: it alerts about the hosts the
    snapshot removed or narrowed (the task finds which, if any)."""
    for organisation_id in organisations_depending_on_hosts(host_ids):
        outbox.enqueue("compliance.monitoring.tasks.alert_registry_changes", organisation_id, snapshot_id)
