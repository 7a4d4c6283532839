"""End to end on a real Celery worker and a real Redis (PostgreSQL only, see tests/realworker.py).

An evidence upload through the API is re-evaluated by the worker, the status change raises an
alert and the worker delivers the signed ``conformity.changed`` webhook to a local receiver.
Messages delivered twice, two scans at once and a Redis outage create nothing twice and lose
nothing.
"""

import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import Alert, ConformityResult, WebhookDelivery
from compliance.monitoring.tasks import deliver_webhook, expiry_scan
from compliance.monitoring.webhooks import events
from hds_platform import outbox
from hds_platform.models import OutboxMessage
from tests.compliance import builders
from tests.compliance.monitoring.alerting import emit_raw, make_endpoint
from tests.realworker import Worker, broker, needs_real_services, wait_until

pytestmark = [needs_real_services, pytest.mark.celery_worker, pytest.mark.postgres]

WORKER_ENV = {"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_EXTRA_PORTS": "1024-65535"}


@contextmanager
def running_worker(redis_server):
    with broker(redis_server.url):
        worker = Worker(redis_server.url, env=WORKER_ENV)
        worker.start()
        try:
            yield worker
        finally:
            worker.stop()


def _chain_missing_its_dpa(tenant):
    """A processing hosted and operated by a certified supplier (activities 1 to 5) whose DPA is not
    on file: non-compliant. Built in-process (eager tasks), before any worker or endpoint exists."""
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain")
        processing = builders.processing("Dossier patient")
        builders.link(processing, supplier, activities=[1, 2, 3, 4, 5])
        certificate = builders.certificate(supplier, activities=[1, 2, 3, 4, 5])
        builders.evidence("hosting_contract", supplier=supplier)
        builders.evidence("hds_certificate", supplier=supplier, certificate=certificate)
    with tenant.context():
        assert ConformityResult.objects.get(processing=processing).status == "non_compliant"
        assert OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 0
    return supplier, processing


def _upload_dpa(client, tenant, supplier):
    return client.post(
        f"/api/v1/orgs/{tenant.organisation.slug}/evidence/",
        {"file": builders.pdf_upload("dpa.pdf", "Accord art. 28"), "kind": "dpa", "title": "DPA",
         "supplier": supplier.pk},
        format="multipart",
    )


def _by_event(receiver):
    return {request.headers["Maillon-Event"]: request for request in receiver.requests}


def test_an_uploaded_dpa_is_reevaluated_alerted_and_delivered_signed_by_the_worker(
    transactional_db, tenant, receiver, redis_server, media, client_for,
):
    supplier, processing = _chain_missing_its_dpa(tenant)
    with tenant.context():
        endpoint = make_endpoint(receiver.url, [events.CONFORMITY_CHANGED, events.EVIDENCE_UPLOADED])

    with running_worker(redis_server) as worker:
        response = _upload_dpa(client_for(user=tenant.members["editor"]), tenant, supplier)
        assert response.status_code == 201, response.json()
        wait_until(lambda: len(receiver.requests) >= 2, timeout=60)
        with tenant.context():
            wait_until(lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 2)
        assert "succeeded" in worker.output()

    with tenant.context():
        alert = Alert.objects.get()
        assert (alert.kind, alert.severity, alert.processing_id) == ("conformity_changed", "info", processing.pk)
        assert (alert.data["from_status"], alert.data["to_status"]) == ("non_compliant", "compliant")
        assert {"code": "evidence.dpa_missing"} in alert.data["disappeared"]
        assert ConformityResult.objects.get(processing=processing).status == "compliant"
    requests = _by_event(receiver)
    assert sorted(requests) == ["conformity.changed", "evidence.uploaded"]
    for request in requests.values():
        receiver.verify(endpoint.secret, request)  # raises InvalidSignature otherwise
    changed = json.loads(requests["conformity.changed"].body)
    assert (changed["type"], changed["organisation"], changed["data"]["alert"], changed["data"]["processing"]) == (
        "conformity.changed", "tilleuls", alert.pk, {"id": processing.pk, "name": "Dossier patient"})
    assert json.loads(requests["evidence.uploaded"].body)["data"]["evidence"]["id"] == response.json()["id"]
    assert len(receiver.requests) == 2


def test_messages_delivered_twice_send_one_webhook_and_raise_each_alert_once(
    transactional_db, tenant, receiver, redis_server,
):
    with tenant.context():
        endpoint = make_endpoint(receiver.url, [events.CERTIFICATE_EXPIRING])
        host = builders.supplier()
        for number in range(3):
            builders.certificate(host, certificate_number=f"N{number}",
                                 expires_on=timezone.localdate() + timedelta(days=5))
        probe = emit_raw(tenant.organisation, events.CERTIFICATE_EXPIRING, {"probe": True})[0]
    # The outbox has already run the probe in-process (eager): make it due again for the worker.
    WebhookDelivery.all_organisations.filter(pk=probe.pk).update(status="pending", attempts=0,
                                                                 next_attempt_at=timezone.now())
    receiver.requests.clear()

    with running_worker(redis_server):
        # The same message twice, as Redis does when a worker dies before acknowledging it; and two
        # scans of one organisation at once on the worker's two threads.
        for _ in range(2):
            deliver_webhook.delay(tenant.organisation.pk, probe.pk)
            expiry_scan.delay(tenant.organisation.pk)
        with tenant.context():
            wait_until(lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 4, timeout=60)
            wait_until(lambda: OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 0)

    with tenant.context():
        assert Alert.objects.filter(kind="certificate_expiring", threshold=7).count() == 3
        assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 4
    sent = [json.loads(request.body) for request in receiver.requests]
    assert len(sent) == 4
    assert sorted(str(body["data"].get("certificate", {}).get("number")) for body in sent) == [
        "N0", "N1", "N2", "None"]


def test_api_writes_succeed_while_redis_is_down_and_their_follow_up_runs_when_it_returns(
    transactional_db, tenant, receiver, redis_server, media, client_for,
):
    supplier, processing = _chain_missing_its_dpa(tenant)
    with tenant.context():
        endpoint = make_endpoint(receiver.url, [events.CONFORMITY_CHANGED])
    owner = client_for(user=tenant.owner)

    redis_server.stop()
    with broker(redis_server.url):
        uploaded = _upload_dpa(client_for(user=tenant.members["editor"]), tenant, supplier)
        tested = owner.post(f"/api/v1/orgs/{tenant.organisation.slug}/webhooks/{endpoint.pk}/test/")
        assert (uploaded.status_code, tested.status_code) == (201, 202)
        pending = list(OutboxMessage.objects.filter(dispatched_at__isnull=True).values_list("task_name", flat=True))
        assert sorted(pending) == [
            "compliance.monitoring.tasks.deliver_webhook", "compliance.tasks.evaluate_processings_task",
        ]
        with tenant.context():
            assert Alert.objects.count() == 0

        redis_server.start()
        worker = Worker(redis_server.url, env=WORKER_ENV)
        worker.start()
        try:
            assert outbox.relay_pending(ignore_backoff=True) == 2
            wait_until(lambda: len(receiver.requests) >= 2, timeout=60)
            # The worker's own follow-up (the conformity.changed delivery) went through the outbox too.
            wait_until(lambda: OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 0)
        finally:
            worker.stop()

    requests = _by_event(receiver)
    assert sorted(requests) == ["conformity.changed", "test.ping"]
    for request in requests.values():
        receiver.verify(endpoint.secret, request)
    with tenant.context():
        alert = Alert.objects.get()
        assert (alert.processing_id, alert.data["to_status"]) == (processing.pk, "compliant")
