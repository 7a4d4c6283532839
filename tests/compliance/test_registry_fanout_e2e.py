"""A registry import alerts and re-evaluates exactly the organisations that depend on a host it
removed or narrowed: registry.tasks.after_import announces the changed hosts, the compliance
domain and monitoring each enqueue one task per organisation concerned, all through the outbox."""

from pathlib import Path

import pytest

from compliance.models import Alert, Certificate, ConformityResult, Processing
from compliance.services import supplier_registry_match_confirm
from hds_platform.models import AuditEvent, OutboxMessage
from registry.importing import registry_import
from registry.models import CertifiedHost
from tests.compliance import builders
from tests.realworker import Worker, broker, needs_real_services, wait_until

SAMPLES = Path(__file__).resolve().parents[2] / "registry" / "samples"


def _import(name, capture):
    with capture(execute=True):
        result = registry_import(data=(SAMPLES / name).read_bytes(), source=name, filename=name)
    return result


def _findings(result):
    return sorted((finding["code"], finding.get("activity") or 0) for finding in result.findings
                  if finding["severity"] == "error")


def test_withdrawn_and_narrowed_hosts_alert_and_reevaluate_only_their_dependants(
    tenant, other_tenant, media, django_capture_on_commit_callbacks,
):
    _import("ans_hosts_2026-10.csv", django_capture_on_commit_callbacks)
    withdrawn = CertifiedHost.objects.get(name="Estérel Hébergement Santé")
    narrowed = CertifiedHost.objects.get(name="Loire Hosting")
    with tenant.context(), django_capture_on_commit_callbacks(execute=True):
        host_a = builders.supplier("Estérel Hébergement Santé")
        supplier_registry_match_confirm(supplier=host_a, actor=builders.ACTOR, host=withdrawn)
        host_b = builders.supplier("Loire Hosting")
        supplier_registry_match_confirm(supplier=host_b, actor=builders.ACTOR, host=narrowed)
        for supplier in (host_a, host_b):
            builders.evidence("hosting_contract", supplier=supplier)
            builders.evidence("dpa", supplier=supplier)
        processing = builders.processing("Dossier patient")
        top = builders.link(processing, host_a, activities=(3, 4, 5, 6))
        builders.link(processing, host_b, activities=(1, 2), parent=top)
    with tenant.context():
        before = ConformityResult.objects.get()
        assert (before.status, _findings(before)) == ("compliant", [])
    with other_tenant.context(), django_capture_on_commit_callbacks(execute=True):
        scaleway = builders.supplier("Scaleway")  # suggested, and unchanged in November
        assert (scaleway.registry_match_status, scaleway.registry_host.name) == ("suggested", "Scaleway")
        builders.link(builders.processing("Imagerie"), scaleway)
    with other_tenant.context():
        their_evaluation = ConformityResult.objects.values_list("status", "evaluated_at").get()
    sent_before = OutboxMessage.objects.count()

    november = _import("ans_hosts_2026-11.csv", django_capture_on_commit_callbacks)

    ours = tenant.organisation.pk
    assert [(m.task_name, m.args, m.last_error, m.dispatched_at is not None)
            for m in OutboxMessage.objects.order_by("id")[sent_before:]] == [
        ("registry.tasks.after_import", [november.snapshot.pk], "", True),
        ("compliance.tasks.refresh_registry_copies", [ours], "", True),
        ("compliance.monitoring.tasks.alert_registry_changes", [ours, november.snapshot.pk], "", True),
    ]
    with tenant.context():
        alerts = sorted(
            (a.kind, a.supplier.name)
            for a in Alert.objects.filter(kind="registry_host_changed").select_related("supplier")
        )
        assert alerts == [
            ("registry_host_changed", "Estérel Hébergement Santé"),
            ("registry_host_changed", "Loire Hosting"),
        ]
        assert Processing.objects.get().name == "Dossier patient"
        # Re-evaluated: the withdrawn host's copy is gone, the narrowed one covers 1-2 only.
        assert list(Certificate.objects.values_list("supplier__name", "source", "activities")) == [
            ("Loire Hosting", "registry", frozenset({1, 2}))]
        assert AuditEvent.objects.filter(action="certificate.registry_refreshed").get().changes == {
            "added": 0, "updated": 1, "removed": 1}
        after = ConformityResult.objects.get()
        assert (after.status, _findings(after)) == ("non_compliant", [
            ("coverage.activity_not_covered", 3), ("coverage.activity_not_covered", 4),
            ("coverage.activity_not_covered", 5), ("coverage.activity_not_covered", 6),
            ("registry.host_removed", 0),
        ])
    with other_tenant.context():
        assert Alert.objects.filter(kind="registry_host_changed").count() == 0
        assert ConformityResult.objects.values_list("status", "evaluated_at").get() == their_evaluation
        assert AuditEvent.objects.filter(action="certificate.registry_refreshed").count() == 0

    # The same import again is a no-op: no new alert anywhere, nothing enqueued.
    sent = OutboxMessage.objects.count()
    _import("ans_hosts_2026-11.csv", django_capture_on_commit_callbacks)
    assert Alert.all_organisations.filter(kind="registry_host_changed").count() == 2
    assert OutboxMessage.objects.count() == sent


@needs_real_services
@pytest.mark.celery_worker
@pytest.mark.postgres
def test_a_worker_runs_the_fan_out_of_an_import_it_receives_through_redis(
    transactional_db, tenant, other_tenant, media, redis_server,
):
    # Built in-process (eager tasks, real commits), before the worker and the broker exist.
    october = (SAMPLES / "ans_hosts_2026-10.csv").read_bytes()
    registry_import(data=october, source="ans_hosts_2026-10.csv", filename="ans_hosts_2026-10.csv")
    withdrawn = CertifiedHost.objects.get(name="Estérel Hébergement Santé")
    with tenant.context():
        supplier = builders.supplier("Estérel Hébergement Santé")
        supplier_registry_match_confirm(supplier=supplier, actor=builders.ACTOR, host=withdrawn)
        builders.link(builders.processing("Dossier patient"), supplier, activities=(3, 4, 5, 6))
    with other_tenant.context():
        builders.supplier("Scaleway")
    assert OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 0
    sent_before = OutboxMessage.objects.count()

    def follow_up_done():
        pending = OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
        with tenant.context():
            return not pending and Alert.objects.filter(kind="registry_host_changed").exists() and (
                not Certificate.objects.exists())

    with broker(redis_server.url):  # not eager: the import's follow-up goes through Redis
        worker = Worker(redis_server.url)
        worker.start()
        try:
            november = (SAMPLES / "ans_hosts_2026-11.csv").read_bytes()
            result = registry_import(data=november, source="ans_hosts_2026-11.csv", filename="ans_hosts_2026-11.csv")
            wait_until(follow_up_done, timeout=60)
        finally:
            worker.stop()

    assert list(OutboxMessage.objects.order_by("id")[sent_before:].values_list("task_name", "args")) == [
        ("registry.tasks.after_import", [result.snapshot.pk]),
        ("compliance.tasks.refresh_registry_copies", [tenant.organisation.pk]),
        ("compliance.monitoring.tasks.alert_registry_changes", [tenant.organisation.pk, result.snapshot.pk]),
    ]
    succeeded = sorted(line.split("Task ", 1)[1].split("[", 1)[0]
                       for line in worker.output().splitlines() if " succeeded in " in line)
    assert succeeded == ["compliance.monitoring.tasks.alert_registry_changes",
                         "compliance.tasks.refresh_registry_copies", "registry.tasks.after_import"]
    with other_tenant.context():
        assert Alert.objects.count() == 0
